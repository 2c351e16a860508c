package main

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// startSerialFerretDB runs the embedded server behind the proxy, as main does by default.
func startSerialFerretDB(t *testing.T) *mongo.Client {
	t.Helper()
	dir, l := testDataDir(t)
	sock := socketPath(dir)
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{Unix: sock}, Logger: l,
		Handler: "sqlite", SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		t.Fatal(err)
	}
	front, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = f.Run(ctx) }()
	p := &serialProxy{upstream: sock, locks: newCollectionLocks(), log: l}
	go func() { _ = p.serve(ctx, front) }()
	uri := fmt.Sprintf("mongodb://%s/", front.Addr())
	c, err := mongo.Connect(ctx, options.Client().ApplyURI(uri).SetRetryWrites(false).SetMaxPoolSize(32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()); cancel(); <-done })
	return c
}

// concurrently runs fn(i) for i in [0, n) on `workers` goroutines and fails on any error.
func concurrently(t *testing.T, n, workers int, fn func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// Racing $inc, $addToSet and $set of other fields on one document: every one applies.
func TestRacingUpdatesOfOneDocumentAllApply(t *testing.T) {
	ctx := context.Background()
	coll := startSerialFerretDB(t).Database("db").Collection("rows")
	if _, err := coll.InsertOne(ctx, bson.M{"_id": "row", "n": 0, "set": bson.A{}}); err != nil {
		t.Fatal(err)
	}
	const n = 240
	concurrently(t, n, 24, func(i int) error {
		update := bson.M{"$inc": bson.M{"n": 1}}
		switch i % 3 {
		case 1:
			update = bson.M{"$addToSet": bson.M{"set": i}}
		case 2:
			update = bson.M{"$set": bson.M{fmt.Sprintf("f%d", i): i}}
		}
		_, err := coll.UpdateOne(ctx, bson.M{"_id": "row"}, update)
		return err
	})
	var row bson.M
	if err := coll.FindOne(ctx, bson.M{"_id": "row"}).Decode(&row); err != nil {
		t.Fatal(err)
	}
	if got := row["n"]; got != int32(n/3) {
		t.Errorf("n = %v, want %d: increments lost", got, n/3)
	}
	if got := len(row["set"].(bson.A)); got != n/3 {
		t.Errorf("set has %d members, want %d: $addToSet lost", got, n/3)
	}
	if got := len(row) - 3; got != n/3 {
		t.Errorf("%d fields set, want %d: $set lost", got, n/3)
	}
}

// Compare-and-set on a version field: exactly one of the writers that read the same version
// wins, so the wins add up to the final version.
func TestConditionalUpdatesMatchOnlyTheCurrentDocument(t *testing.T) {
	ctx := context.Background()
	coll := startSerialFerretDB(t).Database("db").Collection("cas")
	if _, err := coll.InsertOne(ctx, bson.M{"_id": "row", "v": 0}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	wins := 0
	concurrently(t, 200, 16, func(int) error {
		var row struct{ V int32 }
		if err := coll.FindOne(ctx, bson.M{"_id": "row"}).Decode(&row); err != nil {
			return err
		}
		res, err := coll.UpdateOne(ctx, bson.M{"_id": "row", "v": row.V}, bson.M{"$set": bson.M{"v": row.V + 1}})
		if err != nil {
			return err
		}
		mu.Lock()
		wins += int(res.ModifiedCount)
		mu.Unlock()
		return nil
	})
	var row struct{ V int32 }
	if err := coll.FindOne(ctx, bson.M{"_id": "row"}).Decode(&row); err != nil {
		t.Fatal(err)
	}
	if int(row.V) != wins || wins == 0 {
		t.Errorf("%d updates reported a match, the version is %d", wins, row.V)
	}
}

// Cursors (getMore) and many connections at once pass through, every answer to its request.
func TestCursorsAndConcurrentReadsPassThrough(t *testing.T) {
	ctx := context.Background()
	coll := startSerialFerretDB(t).Database("db").Collection("rows")
	docs := make([]any, 50)
	for i := range docs {
		docs[i] = bson.M{"_id": i}
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	concurrently(t, 64, 16, func(i int) error {
		cur, err := coll.Find(ctx, bson.M{}, options.Find().SetBatchSize(int32(1+i%9)))
		if err != nil {
			return err
		}
		var rows []bson.M
		if err := cur.All(ctx, &rows); err != nil {
			return err
		}
		if len(rows) != 50 {
			return fmt.Errorf("%d rows read back, want 50", len(rows))
		}
		return nil
	})
}

func TestOnlyReadThenWriteCommandsTakeTurns(t *testing.T) {
	msg := func(cmd bson.D) []byte {
		body, err := bson.Marshal(cmd)
		if err != nil {
			t.Fatal(err)
		}
		// header (length, requestID, responseTo, opCode) + flags + section kind 0 + body
		b := make([]byte, 0, 21+len(body))
		b = append(b, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xdd, 0x07, 0, 0, 0, 0, 0, 0, 0)
		b = append(b, body...)
		n := len(b)
		b[0], b[1], b[2], b[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
		return b
	}
	for cmd, want := range map[string]string{
		"update": "hub.packets", "findAndModify": "hub.packets", "delete": "hub.packets",
		"insert": "", "find": "", "hello": "",
	} {
		got := serializedKey(msg(bson.D{{Key: cmd, Value: "packets"}, {Key: "$db", Value: "hub"}}))
		if got != want {
			t.Errorf("%s: key %q, want %q", cmd, got, want)
		}
	}
	if got := serializedKey([]byte{1, 2, 3}); got != "" {
		t.Errorf("a torn message got key %q", got)
	}
}
