package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// startFerretDB runs the embedded server as main does, on a free loopback port and a fresh
// data directory, keeping the _id index every 50 ms.
func startFerretDB(t *testing.T) (*mongo.Client, string) {
	t.Helper()
	dir, l := testDataDir(t)
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"}, Logger: l,
		Handler: "sqlite", SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = f.Run(ctx) }()
	go keepIDIndexes(ctx, dir, 50*time.Millisecond, l)
	c, err := mongo.Connect(ctx, options.Client().ApplyURI(f.MongoDBURI()).SetRetryWrites(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()); cancel(); <-done })
	return c, dir
}

// testDataDir makes a private data directory as main does, and a silent logger.
func testDataDir(t *testing.T) (string, *slog.Logger) {
	t.Helper()
	privateFiles()
	dir := filepath.Join(t.TempDir(), "data")
	if err := privateDataDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir, slog.New(newLazyHandler(slog.NewTextHandler(io.Discard, nil)))
}

// tableOf returns the SQLite table FerretDB keeps the collection in.
func tableOf(t *testing.T, db *sql.DB, coll string) string {
	t.Helper()
	var table string
	if err := db.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = ?`, coll).Scan(&table); err != nil {
		t.Fatal(err)
	}
	return table
}

// plan explains FerretDB's own _id-filtered statement (metadata.IDColumn in its sources).
func plan(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	// EXPLAIN reads no table, so it would plan with this connection's cached schema; a read
	// of sqlite_schema first picks up indexes created since (real statements re-prepare).
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "`+table+`" WHERE `+idExpr+` = ?`, `"x"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var details []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		details = append(details, detail)
	}
	return strings.Join(details, "; ")
}

func TestIDLookupsUseTheExpressionIndex(t *testing.T) {
	ctx := context.Background()
	c, dir := startFerretDB(t)
	coll := c.Database("hub").Collection("letters")
	docs := []any{}
	for _, id := range []string{"a", "b", "c"} {
		docs = append(docs, bson.D{{Key: "_id", Value: id}, {Key: "n", Value: 1}})
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "hub.sqlite")+"?mode=rw")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	table := tableOf(t, db, "letters")
	want := "USING INDEX " + idIndexPrefix + table
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(plan(t, db, table), want) {
		if time.Now().After(deadline) {
			t.Fatalf("a new collection got no _id index; plan: %s", plan(t, db, table))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if p := plan(t, db, table); !strings.HasPrefix(p, "SEARCH") {
		t.Fatalf("plan %q, want a SEARCH", p)
	}

	// FerretDB keeps working through the index: lookups, updates, and its own unique index.
	var got bson.M
	if err := coll.FindOne(ctx, bson.M{"_id": "b"}).Decode(&got); err != nil || got["_id"] != "b" {
		t.Fatalf("find by _id: %v %v", got, err)
	}
	if r, err := coll.UpdateOne(ctx, bson.M{"_id": "c"}, bson.M{"$set": bson.M{"n": 2}}); err != nil || r.ModifiedCount != 1 {
		t.Fatalf("update by _id: %+v %v", r, err)
	}
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}})
	var we mongo.WriteException
	if !mongo.IsDuplicateKeyError(err) || !asWriteException(err, &we) || we.WriteErrors[0].Code != 11000 {
		t.Fatalf("duplicate _id: got %v, want E11000", err)
	}
	// Clients never see the extra index.
	specs, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil || len(specs) != 1 || specs[0].Name != "_id_" {
		t.Fatalf("listIndexes: %+v %v", specs, err)
	}
}

func asWriteException(err error, we *mongo.WriteException) bool {
	w, ok := err.(mongo.WriteException)
	*we = w
	return ok && len(w.WriteErrors) > 0
}

func TestDataFilesAreOwnerOnly(t *testing.T) {
	ctx := context.Background()
	c, dir := startFerretDB(t)
	if _, err := c.Database("modes").Collection("x").InsertOne(ctx, bson.M{"_id": 1}); err != nil {
		t.Fatal(err)
	}
	checkMode := func(p string, want os.FileMode) {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Fatalf("%s: mode %v, want %v", filepath.Base(p), st.Mode().Perm(), want)
		}
	}
	checkMode(dir, 0o700)
	files, _ := filepath.Glob(filepath.Join(dir, "modes.sqlite*"))
	if len(files) == 0 {
		t.Fatal("no database file")
	}
	for _, f := range files {
		checkMode(f, 0o600)
	}
}

func TestOlderWorldReadableFilesAreTightened(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "old.sqlite")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(f, 0o644)
	_ = os.Chmod(dir, 0o755)
	if err := privateDataDir(dir); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, f: 0o600} {
		if st, _ := os.Stat(p); st.Mode().Perm() != want {
			t.Fatalf("%s: %v, want %v", p, st.Mode().Perm(), want)
		}
	}
}

func TestListenIsLoopbackOnly(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:27017": true, "[::1]:27017": true, "localhost:27017": true,
		"0.0.0.0:27017": false, ":27017": false, "10.0.0.5:27017": false, "db.example:27017": false,
	} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("%s: err %v, want accepted=%v", addr, err, ok)
		}
	}
}

// The case the indexer's comment relies on: a database dropped while another connection of
// the process holds it (as a pass may for milliseconds), then re-created under the same name
// before that connection closes. The dropped file's WAL must not leak into the new one.
func TestDatabaseRecreatedWhileAPassHoldsItStartsClean(t *testing.T) {
	file := filepath.Join(t.TempDir(), "x.sqlite")
	open := func(extra string) *sql.DB {
		db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)"+extra)
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		return db
	}
	exec := func(db *sql.DB, q string) {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	ferret := open("&_pragma=journal_mode(wal)")
	exec(ferret, "CREATE TABLE old (v TEXT)")
	for range 100 {
		exec(ferret, "INSERT INTO old VALUES ('a row of the dropped database')")
	}
	pass := open("&mode=rw")
	if _, err := tablesMissingIDIndex(context.Background(), pass); err != nil {
		t.Fatal(err)
	}
	// FerretDB's dropDatabase: close its pool, remove the file; then a client re-creates it.
	_ = ferret.Close()
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	again := open("&_pragma=journal_mode(wal)")
	exec(again, "CREATE TABLE fresh (v TEXT)")
	exec(again, "INSERT INTO fresh VALUES ('new')")
	_ = pass.Close()
	_ = again.Close()

	check := open("")
	defer check.Close()
	var ok string
	var tables, rows int
	if err := check.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
	_ = check.QueryRow("SELECT count(*) FROM sqlite_schema").Scan(&tables)
	_ = check.QueryRow("SELECT count(*) FROM fresh").Scan(&rows)
	if tables != 1 || rows != 1 {
		t.Fatalf("re-created database holds %d tables and %d rows, want only the new table and row", tables, rows)
	}
}
