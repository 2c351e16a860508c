package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the driver FerretDB itself registers and uses
)

// FerretDB 1.24's SQLite backend filters by _id with `_ferretdb_sjson->'$._id' = ?`, but its
// unique `_id_` index is on `_ferretdb_sjson->"_id"`: SQLite does not match the two
// expressions, so every find/update/delete by _id scans the table. A plain index on exactly
// the filter's expression makes those lookups SEARCH ... USING INDEX; uniqueness stays with
// FerretDB's own index (duplicates still fail with 11000). The index is invisible to clients:
// FerretDB lists indexes from its own metadata table, never from sqlite_schema.
const (
	idExpr = `_ferretdb_sjson->'$._id'`
	// FerretDB names its indexes "<table>_<name>" and never starts a table name with its
	// reserved prefix "_ferretdb_", so no FerretDB index can carry this name.
	idIndexPrefix = "_ferretdb_edoc_id_"
)

// Collection tables (they have the _ferretdb_sjson column) still missing the index.
const missingIDIndexes = `SELECT t.name FROM sqlite_schema AS t
WHERE t.type = 'table'
  AND EXISTS (SELECT 1 FROM pragma_table_info(t.name) WHERE name = '_ferretdb_sjson')
  AND NOT EXISTS (SELECT 1 FROM sqlite_schema AS i WHERE i.type = 'index' AND i.name = ? || t.name)`

// ensureIDIndexes adds the index to every collection table of every database file in dir and
// returns how many it created. With seen (file → state of the file and its WAL before the last
// pass over it that completed), files unchanged since are not opened at all.
//
// Concurrency with FerretDB's own connections: the files are in WAL mode with FerretDB's
// 10 s busy timeout, which our connection sets as well; CREATE INDEX is one short write
// transaction (new tables are empty or nearly so when the next pass sees them). mode=rw never
// creates a file, so a database dropped meanwhile is not resurrected. A database dropped while
// our connection is open (for milliseconds, and only if the file changed) leaves its -wal and
// -shm files behind, nothing else: SQLite ignores and replaces the WAL of an empty database
// file, so a database re-created under the same name starts clean.
func ensureIDIndexes(ctx context.Context, dir string, l *slog.Logger, seen map[string]string) (int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if err != nil {
		return 0, err
	}
	created, errs := 0, []error{}
	for _, f := range files {
		state := fileState(f)
		if seen != nil && state != "" && seen[f] == state {
			continue
		}
		n, err := ensureIDIndexesIn(ctx, f, l)
		created += n
		switch _, gone := os.Stat(f); {
		case err != nil && gone == nil: // a dropped database is no error
			errs = append(errs, fmt.Errorf("%s: %w", filepath.Base(f), err))
		case err == nil && seen != nil:
			seen[f] = state // as before the pass: a change during it is looked at next time
		}
	}
	for f := range seen {
		if _, err := os.Stat(f); err != nil {
			delete(seen, f)
		}
	}
	return created, errors.Join(errs...)
}

// fileState is the size and modification time of a database file and of its WAL ("" when
// the file cannot be read): every schema change writes to one of them.
func fileState(file string) string {
	st, err := os.Stat(file)
	if err != nil {
		return ""
	}
	state := fmt.Sprintf("%d/%d", st.Size(), st.ModTime().UnixNano())
	if wal, err := os.Stat(file + "-wal"); err == nil {
		state += fmt.Sprintf(" %d/%d", wal.Size(), wal.ModTime().UnixNano())
	}
	return state
}

func ensureIDIndexesIn(ctx context.Context, file string, l *slog.Logger) (int, error) {
	db, err := sql.Open("sqlite", "file:"+file+"?mode=rw&_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	tables, err := tablesMissingIDIndex(ctx, db)
	if err != nil {
		return 0, err
	}
	created := 0
	for _, t := range tables {
		q := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %q ON %q (%s)", idIndexPrefix+t, t, idExpr)
		if _, err := db.ExecContext(ctx, q); err != nil {
			if strings.Contains(err.Error(), "no such table") {
				continue // a collection dropped since the listing
			}
			return created, fmt.Errorf("index on %s: %w", t, err) // the next pass looks again
		}
		created++
		l.InfoContext(ctx, "created _id expression index", "file", filepath.Base(file), "table", t)
	}
	return created, nil
}

func tablesMissingIDIndex(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, missingIDIndexes, idIndexPrefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, rows.Err()
}

// keepIDIndexes runs ensureIDIndexes every interval until ctx ends, so collections created
// while the server runs get the index within one interval (the embedded API has no hook).
func keepIDIndexes(ctx context.Context, dir string, every time.Duration, l *slog.Logger) {
	seen := map[string]string{}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := ensureIDIndexes(ctx, dir, l, seen); err != nil && ctx.Err() == nil {
				l.WarnContext(ctx, "_id expression index pass failed", "error", err)
			}
		}
	}
}
