// Command ferretdb-hub runs FerretDB v1.24.2 embedded, with its SQLite backend.
//
// A plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that
// panics for a missing generated version file; embedding the public `ferretdb` package avoids
// that code path. Flags mirror the few settings the hub needs; telemetry is disabled by the
// embedded package itself. Around the embedded server (no fork, no patched module) this main
// adds: the `_id` expression index (idindex.go), deferred log formatting (lazylog.go), atomic
// read-then-write commands per collection (serialwrites.go), private files (umask 077) and a
// loopback-only listener.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on (loopback only)")
	dataDir := flag.String("data", "./.state/ferretdb", "directory holding the SQLite databases")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	idIndexEvery := flag.Duration("id-index-every", time.Second, "how often new collections get the _id expression index; 0 turns the index off (to measure FerretDB as shipped)")
	eagerLog := flag.Bool("eager-log", false, "format log attributes eagerly as FerretDB does as shipped (to measure)")
	pprofAddr := flag.String("pprof", "", "loopback address to serve Go's net/http/pprof on (profiling FerretDB under load); off when empty")
	racyWrites := flag.Bool("racy-writes", false, "let updates and deletes of one collection race as FerretDB does as shipped (to measure; loses updates)")
	flag.Parse()

	privateFiles()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail(2, "bad -log-level: %v", err)
	}
	var handler slog.Handler = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})
	if !*eagerLog {
		handler = newLazyHandler(handler)
	}
	logger := slog.New(handler)

	if err := checkLoopback(*listen); err != nil {
		fail(2, "bad -listen: %v", err)
	}
	abs, err := filepath.Abs(*dataDir)
	if err != nil {
		fail(2, "bad -data: %v", err)
	}
	if err := privateDataDir(abs); err != nil {
		fail(1, "data directory %s: %v", abs, err)
	}

	if *pprofAddr != "" {
		if err := checkLoopback(*pprofAddr); err != nil {
			fail(2, "bad -pprof: %v", err)
		}
		go servePprof(*pprofAddr, logger)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Existing tables are indexed before FerretDB opens the files, so without contention. The
	// index only saves time: a file it cannot read is FerretDB's to report, not a reason to stop.
	if *idIndexEvery > 0 {
		if _, err := ensureIDIndexes(ctx, abs, logger, nil); err != nil {
			logger.Warn("_id expression index at start", "error", err)
		}
	}

	listener := ferretdb.ListenerConfig{TCP: *listen}
	var front net.Listener
	if !*racyWrites {
		// The clients' port is ours (serialwrites.go); FerretDB answers on a private socket.
		if front, err = net.Listen("tcp", *listen); err != nil {
			fail(1, "listen %s: %v", *listen, err)
		}
		listener = ferretdb.ListenerConfig{Unix: socketPath(abs)}
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  listener,
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		fail(1, "ferretdb: %v", err)
	}

	if *idIndexEvery > 0 {
		go keepIDIndexes(ctx, abs, *idIndexEvery, logger)
	}
	if front != nil {
		p := &serialProxy{upstream: listener.Unix, locks: newCollectionLocks(), log: logger}
		go func() {
			if err := p.serve(ctx, front); err != nil {
				fail(1, "listen %s: %v", *listen, err)
			}
		}()
	}
	logger.Info("ferretdb listening", "addr", *listen, "data", abs)
	if err := f.Run(ctx); err != nil {
		fail(1, "ferretdb: %v", err)
	}
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address (the embedded database has no authentication)", host)
	}
	return nil
}

// privateFiles makes every file this process creates owner-only: the databases hold every
// letter (0600 files, 0700 directory), whatever umask the caller had.
func privateFiles() { syscall.Umask(0o077) }

// privateDataDir creates the directory 0700 and tightens what an older build left readable.
func privateDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite*")) // with -wal and -shm
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := os.Chmod(f, 0o600); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(code)
}
