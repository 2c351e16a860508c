package main

import (
	"context"
	"log/slog"
	"slices"
	"sync"
)

// lazyHandler defers WithAttrs/WithGroup until a record at an enabled level is written.
//
// FerretDB calls logger.With(query, args...) before every SQL statement and then logs at debug
// level; slog's own handlers format those attributes (whole documents) eagerly in WithAttrs,
// ~12 % of FerretDB's CPU for lines that are never printed. Here With only remembers the
// attributes; they are applied to the real handler once, on the first Handle.
type lazyHandler struct {
	inner slog.Handler
	ops   []lazyOp // applied in order: attrs, or a group when group != ""

	once *sync.Once
	real *slog.Handler // the materialized handler, shared by copies made before Handle
}

type lazyOp struct {
	group string
	attrs []slog.Attr
}

func newLazyHandler(inner slog.Handler) *lazyHandler {
	return &lazyHandler{inner: inner, once: new(sync.Once), real: new(slog.Handler)}
}

func (h *lazyHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *lazyHandler) with(op lazyOp) *lazyHandler {
	// Clip so siblings derived from the same parent never share a backing array.
	ops := append(slices.Clip(h.ops), op)
	return &lazyHandler{inner: h.inner, ops: ops, once: new(sync.Once), real: new(slog.Handler)}
}

func (h *lazyHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(lazyOp{attrs: slices.Clone(attrs)})
}

func (h *lazyHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(lazyOp{group: name})
}

func (h *lazyHandler) Handle(ctx context.Context, r slog.Record) error {
	h.once.Do(func() {
		real := h.inner
		for _, op := range h.ops {
			if op.group != "" {
				real = real.WithGroup(op.group)
			} else {
				real = real.WithAttrs(op.attrs)
			}
		}
		*h.real = real
	})
	return (*h.real).Handle(ctx, r)
}
