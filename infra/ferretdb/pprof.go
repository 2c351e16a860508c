package main

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
)

// servePprof serves Go's profiler on a loopback address, for measuring where FerretDB spends
// its CPU under the hub's load (docs/performance.md). Only the pprof handlers, on their own mux.
func servePprof(addr string, logger *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	if err := http.ListenAndServe(addr, mux); err != nil {
		logger.Warn("pprof listener", "addr", addr, "error", err)
	}
}
