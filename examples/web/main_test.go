package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPage(t *testing.T) {
	var logs bytes.Buffer
	h, err := newHandler(context.Background(), "", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target   string
		want     []string
		wantNot  []string
		exposure string
	}{
		{"/?user=alice&country=US", []string{"Welcome back!", "Invite your friends!!", `class="button`}, nil, "experiment=inviteFriends variant=default user=alice"},
		{"/?user=zed&country=FR", []string{`class="button`}, []string{"Welcome back!"}, "experiment=buttonColor"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tt.target, nil))
		body := rec.Body.String()
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q:\n%s", tt.target, w, body)
			}
		}
		for _, w := range tt.wantNot {
			if strings.Contains(body, w) {
				t.Errorf("%s: page has %q", tt.target, w)
			}
		}
		if !strings.Contains(logs.String(), tt.exposure) {
			t.Errorf("%s: exposure log lacks %q:\n%s", tt.target, tt.exposure, logs.String())
		}
	}
}
