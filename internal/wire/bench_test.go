package wire

import "testing"

func BenchmarkParse(b *testing.B) {
	for _, bb := range []struct{ name, line string }{
		{"exposure", `{"type":"exposure","user_key":"user-1234567","experiment_key":"checkout","variant_key":"treatment","config_version":3,"timestamp":"2026-03-04T05:06:07.891Z"}`},
		{"event", `{"type":"event","user_key":"user-1234567","event":"purchase","value":19.99,"timestamp":"2026-03-04T05:06:07.891Z"}`},
	} {
		b.Run(bb.name, func(b *testing.B) {
			line := []byte(bb.line)
			var r Record
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				if err := r.Parse(line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
