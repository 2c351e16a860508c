package main

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"sync/atomic"
	"testing"
)

// countingValue counts how often a handler resolves it, i.e. formats the attribute.
type countingValue struct{ n *atomic.Int32 }

func (v countingValue) LogValue() slog.Value { v.n.Add(1); return slog.StringValue("args") }

var timeAttr = regexp.MustCompile(`time=\S+ `)

func TestLazyHandlerSkipsAttrsOfDisabledRecords(t *testing.T) {
	for _, tc := range []struct {
		name string
		wrap func(slog.Handler) slog.Handler
		want int32
	}{
		{"slog text handler formats eagerly", func(h slog.Handler) slog.Handler { return h }, 1},
		{"lazy handler formats nothing", func(h slog.Handler) slog.Handler { return newLazyHandler(h) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			var out bytes.Buffer
			l := slog.New(tc.wrap(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelWarn})))
			l.With(slog.Any("args", countingValue{&n})).Debug(">>> SELECT")
			if got := n.Load(); got != tc.want {
				t.Fatalf("attribute resolved %d times, want %d", got, tc.want)
			}
			if out.Len() != 0 {
				t.Fatalf("disabled record written: %q", out.String())
			}
		})
	}
}

func TestLazyHandlerWritesWhatTheTextHandlerWrites(t *testing.T) {
	emit := func(h slog.Handler) {
		l := slog.New(h).With("name", "pool").WithGroup("sql")
		a := l.With("query", "SELECT 1")
		b := l.With("query", "SELECT 2") // a sibling must not see a's attributes
		a.Warn("slow", "ms", 12)
		b.Error("failed", "err", "busy")
		a.Debug("hidden")
	}
	var want, got bytes.Buffer
	opts := &slog.HandlerOptions{Level: slog.LevelWarn}
	emit(slog.NewTextHandler(&want, opts))
	emit(newLazyHandler(slog.NewTextHandler(&got, opts)))
	w, g := timeAttr.ReplaceAllString(want.String(), ""), timeAttr.ReplaceAllString(got.String(), "")
	if w != g || w == "" {
		t.Fatalf("lazy output differs:\nwant %q\n got %q", w, g)
	}
	if !bytes.Contains(got.Bytes(), []byte(`sql.query="SELECT 2"`)) || bytes.Contains(got.Bytes(), []byte("hidden")) {
		t.Fatalf("unexpected output %q", g)
	}
}

func BenchmarkDisabledDebugWithArgs(b *testing.B) {
	doc := bytes.Repeat([]byte(`{"_id":"x","v":"0123456789"}`), 30)
	for _, tc := range []struct {
		name string
		h    slog.Handler
	}{
		{"text", slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn})},
		{"lazy", newLazyHandler(slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			l := slog.New(tc.h).With("name", "sqlite")
			ctx := context.Background()
			for range b.N {
				l.With(slog.String("query", "UPDATE t SET _ferretdb_sjson = ?"), slog.Any("args", []any{string(doc)})).DebugContext(ctx, "<<<")
			}
		})
	}
}
