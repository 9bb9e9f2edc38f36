package decide

import (
	"io"
	"net"
	"syscall"
	"unsafe"
)

// rawIO reads and writes a TCP connection with raw read(2) and write(2)
// calls. The socket is non-blocking, so neither call waits in the kernel;
// unlike net.Conn's Read and Write they do not tell the Go scheduler that
// the goroutine entered a system call, which spares the scheduler a
// hand-off of the processor (and the runtime's monitor thread waking every
// 20 µs to take it back) on each of the two system calls a request makes.
// BENCHMARKS.md has what that saves at a fixed rate below saturation.
// Waiting for the socket still goes through the runtime's poller, so
// deadlines and Close work as for the net.Conn.
type rawIO struct{ rc syscall.RawConn }

// newRawIO returns raw reads and writes on c when it is a TCP connection,
// else c itself.
func newRawIO(c net.Conn) io.ReadWriter {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	return rawIO{rc}
}

// Write writes all of p, waiting for the socket when its buffer is full.
func (r rawIO) Write(p []byte) (int, error) {
	n := 0
	var werr error
	err := r.rc.Write(func(fd uintptr) bool {
		for n < len(p) {
			m, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&p[n])), uintptr(len(p)-n))
			switch e {
			case 0:
				n += int(m)
			case syscall.EAGAIN:
				return false // wait until writable
			case syscall.EINTR:
			default:
				werr = e
				return true
			}
		}
		return true
	})
	if werr != nil {
		return n, &net.OpError{Op: "write", Net: "tcp", Err: werr}
	}
	return n, err
}

// Read reads what the socket holds, waiting for it when it holds nothing;
// it returns io.EOF when the peer has closed its side.
func (r rawIO) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n := 0
	var rerr error
	err := r.rc.Read(func(fd uintptr) bool {
		for {
			m, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
			switch e {
			case 0:
				if n = int(m); n == 0 {
					rerr = io.EOF
				}
				return true
			case syscall.EAGAIN:
				return false // wait until readable
			case syscall.EINTR:
				continue
			}
			rerr = &net.OpError{Op: "read", Net: "tcp", Err: e}
			return true
		}
	})
	if rerr != nil {
		return n, rerr
	}
	return n, err
}
