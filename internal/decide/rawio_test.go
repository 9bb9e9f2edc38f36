package decide

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// TestRawIO checks the raw reads and writes against what a net.Conn does:
// a write larger than the socket buffers (so that it must wait for the
// reader) arrives whole, reads return what was sent, a read deadline ends
// a read with os.ErrDeadlineExceeded, a closed peer gives io.EOF, and a
// closed connection fails rather than hangs.
func TestRawIO(t *testing.T) {
	t.Run("large write waits for the reader", func(t *testing.T) {
		server, client := tcpPair(t)
		rw := newRawIO(server)
		want := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
		done := make(chan error, 1)
		go func() {
			n, err := rw.Write(want)
			if err == nil && n != len(want) {
				err = errors.New("short write")
			}
			done <- err
		}()
		got, err := io.ReadAll(io.LimitReader(client, int64(len(want))))
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("read %d bytes, not the %d written", len(got), len(want))
		}
	})
	t.Run("reads what was sent, then EOF", func(t *testing.T) {
		server, client := tcpPair(t)
		rw := newRawIO(server)
		go func() {
			client.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
			client.Close()
		}()
		got, err := io.ReadAll(rw)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "GET / HTTP/1.1\r\n\r\n" {
			t.Fatalf("read %q", got)
		}
		if n, err := rw.Read(make([]byte, 8)); n != 0 || err != io.EOF {
			t.Fatalf("after the peer closed: %d, %v; want 0, EOF", n, err)
		}
	})
	t.Run("read deadline", func(t *testing.T) {
		server, _ := tcpPair(t)
		rw := newRawIO(server)
		server.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if _, err := rw.Read(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read past the deadline: %v; want os.ErrDeadlineExceeded", err)
		}
	})
	t.Run("deadline in the past wakes a waiting read", func(t *testing.T) {
		server, _ := tcpPair(t)
		rw := newRawIO(server)
		errc := make(chan error, 1)
		go func() {
			_, err := rw.Read(make([]byte, 8))
			errc <- err
		}()
		time.Sleep(10 * time.Millisecond)
		server.SetReadDeadline(aLongTimeAgo) // as Shutdown does to idle connections
		select {
		case err := <-errc:
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("got %v; want os.ErrDeadlineExceeded", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the read did not return after the deadline moved to the past")
		}
	})
	t.Run("closed connection", func(t *testing.T) {
		server, _ := tcpPair(t)
		rw := newRawIO(server)
		server.Close()
		if _, err := rw.Read(make([]byte, 8)); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read after Close: %v; want net.ErrClosed", err)
		}
		if _, err := rw.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("write after Close: %v; want net.ErrClosed", err)
		}
	})
	t.Run("peer reset fails the write", func(t *testing.T) {
		server, client := tcpPair(t)
		rw := newRawIO(server)
		client.(*net.TCPConn).SetLinger(0)
		client.Close() // RST
		var err error
		for range 100 { // the reset arrives after a write or two
			if _, err = rw.Write(make([]byte, 64<<10)); err != nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if err == nil {
			t.Fatal("writes to a reset connection kept succeeding")
		}
	})
	t.Run("not TCP: the conn itself", func(t *testing.T) {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		if rw := newRawIO(a); rw != io.ReadWriter(a) {
			t.Fatalf("newRawIO(net.Pipe) = %T; want the pipe", rw)
		}
	})
}
