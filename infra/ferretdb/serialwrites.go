package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/x/mongo/driver/wiremessage"
)

// FerretDB 1.24 runs update, findAndModify and delete as a read (a SELECT of the filter) and,
// apart from it, a write of the whole documents it read. Two updates of one document that race
// both start from the same read: one's change is lost ($addToSet, $inc, $set of other fields),
// and an update filtered on a field (`{_id, owner}`, `{_id, v}`) still writes after another
// one changed that field. MongoDB applies each such write to a document atomically, and the
// hub relies on it (lease locks, compare-and-set rows, lists grown by $addToSet from several
// archive instances). The embedded API has no hook into the handler, so this main listens
// for the clients itself and forwards every message to FerretDB's own Unix socket, holding a
// per-collection lock from the moment an update, findAndModify or delete is forwarded until
// its answer is back: those commands on one collection take turns, as SQLite's single writer
// makes their writes do anyway. Reads, inserts and other collections never wait.

// serializedCommands are the read-then-write commands of FerretDB 1.24's handler.
var serializedCommands = map[string]bool{"update": true, "findAndModify": true, "delete": true}

// collectionLocks hands out one mutex per database and collection.
type collectionLocks struct {
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

func newCollectionLocks() *collectionLocks {
	return &collectionLocks{locks: map[string]*sync.Mutex{}}
}

func (c *collectionLocks) get(key string) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.locks[key]
	if m == nil {
		m = &sync.Mutex{}
		c.locks[key] = m
	}
	return m
}

// serializedKey names the collection an OP_MSG request's read-then-write command works on,
// or "" when the message needs no turn (another command, another op code, unreadable: the
// server answers those as it would without this proxy).
func serializedKey(msg []byte) string {
	_, _, _, op, rem, ok := wiremessage.ReadHeader(msg)
	if !ok || op != wiremessage.OpMsg {
		return ""
	}
	if _, rem, ok = wiremessage.ReadMsgFlags(rem); !ok {
		return ""
	}
	for len(rem) > 0 {
		var kind wiremessage.SectionType
		if kind, rem, ok = wiremessage.ReadMsgSectionType(rem); !ok {
			return ""
		}
		if kind != wiremessage.SingleDocument {
			if _, _, rem, ok = wiremessage.ReadMsgSectionRawDocumentSequence(rem); !ok {
				return ""
			}
			continue
		}
		body, _, ok := wiremessage.ReadMsgSectionSingleDocument(rem)
		if !ok {
			return ""
		}
		first, err := body.IndexErr(0)
		if err != nil || !serializedCommands[first.Key()] {
			return ""
		}
		coll, ok := first.Value().StringValueOK()
		if !ok {
			return ""
		}
		db, _ := body.Lookup("$db").StringValueOK()
		return db + "." + coll
	}
	return ""
}

// moreToCome is true for an OP_MSG that no answer follows (a request) or that another
// answer follows (an exhaust reply).
func moreToCome(msg []byte) bool { return wiremessage.IsMsgMoreToCome(msg) }

// maxMessage bounds a message's declared length (MongoDB's maxMessageSizeBytes).
const maxMessage = 48_000_000

// readMessage reads one whole wire message into buf (grown as needed) and returns it.
func readMessage(r *bufio.Reader, buf []byte) ([]byte, error) {
	head, err := r.Peek(4)
	if err != nil {
		return nil, err
	}
	n := int(int32(binary.LittleEndian.Uint32(head)))
	if n < 16 || n > maxMessage {
		return nil, fmt.Errorf("wire message of %d bytes", n)
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// socketPath is where FerretDB listens for this proxy: in the (0700) data directory, or in a
// private temporary one where that path is too long for a Unix socket. A socket left by a
// killed run is removed (the caller holds the clients' port, so no live server uses it).
func socketPath(dataDir string) string {
	sock := filepath.Join(dataDir, "ferretdb.sock")
	if len(sock) > 100 {
		dir, err := os.MkdirTemp("", "ferretdb-")
		if err != nil {
			fail(1, "socket directory: %v", err)
		}
		sock = filepath.Join(dir, "s")
	}
	_ = os.Remove(sock)
	return sock
}

// serialProxy forwards client connections to FerretDB, one upstream connection each.
type serialProxy struct {
	upstream string // FerretDB's Unix socket
	locks    *collectionLocks
	log      *slog.Logger
}

// serve accepts until ctx ends (closing l).
func (p *serialProxy) serve(ctx context.Context, l net.Listener) error {
	go func() { <-ctx.Done(); _ = l.Close() }()
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		go p.relay(c)
	}
}

// relay passes one client's requests through in order; drivers wait for each answer before
// sending the next request on a connection (exhaust replies and moreToCome requests aside).
func (p *serialProxy) relay(client net.Conn) {
	defer client.Close()
	up, err := dialUpstream(p.upstream)
	if err != nil {
		p.log.Warn("ferretdb socket unreachable", "error", err)
		return
	}
	defer up.Close()
	cr, ur := bufio.NewReaderSize(client, 64<<10), bufio.NewReaderSize(up, 64<<10)
	var req, res []byte
	for {
		if req, err = readMessage(cr, req); err != nil {
			return
		}
		var turn *sync.Mutex
		if key := serializedKey(req); key != "" {
			turn = p.locks.get(key)
			turn.Lock()
		}
		res, err = exchange(req, up, ur, client, res)
		if turn != nil {
			turn.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// dialUpstream connects to FerretDB's socket, waiting up to 10 s for it to appear: clients
// may connect to our port while FerretDB is still starting.
func dialUpstream(sock string) (net.Conn, error) {
	for tries := 0; ; tries++ {
		c, err := net.Dial("unix", sock)
		if err == nil || tries == 100 {
			return c, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// exchange forwards a request and copies its answer (every part of an exhaust reply) back.
func exchange(req []byte, up net.Conn, ur *bufio.Reader, client net.Conn, buf []byte) ([]byte, error) {
	if _, err := up.Write(req); err != nil {
		return buf, err
	}
	if moreToCome(req) {
		return buf, nil
	}
	for {
		res, err := readMessage(ur, buf)
		if err != nil {
			return buf, err
		}
		buf = res
		if _, err := client.Write(res); err != nil {
			return buf, err
		}
		if !moreToCome(res) {
			return buf, nil
		}
	}
}
