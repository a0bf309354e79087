// The benchmark's side-by-side peer: the broadcast server a team would write with Socket.IO
// instead of Warroom. It keeps each room's log in memory (nothing is persisted), gives every
// posted entry the room's next sequence number, and broadcasts it to every client in the
// room, the poster included, as Warroom does. `warroom-bench --only versus` starts it and
// drives it with the same client code as Warroom (see `fanout.rs` and `sio.rs` beside this).
//
// Wire (Socket.IO 5 over Engine.IO 4, WebSocket transport only, no long-polling):
//   client → `420["join",{"room":"r-1","actor":"p-…","since":0}]`
//   server → `430[{"head":0,"entries":[…the log after `since`…]}]`
//   client → `42N["post",{"id":"f-1","kind":"observation","text":"…"}]`
//   server → `42["entry",{"seq":1,"at":"…","actor":"p-…","event":{"type":"note_posted",…}}]`
//            to every client in the room, then `43N[{"id":"f-1","seq":1}]` to the poster.
// An entry has the fields of a Warroom note event, so both servers send frames of one size.
//
// It listens on 127.0.0.1, port 0, prints `socketio-peer listening on 127.0.0.1:PORT (socket.io VERSION)` once it
// does, and exits when its standard input closes (the benchmark ended) or on SIGTERM.

import { createServer } from "node:http";
import { createRequire } from "node:module";
import { Server } from "socket.io";

const { version } = createRequire(import.meta.url)("socket.io/package.json");

/** The same bound as Warroom's note text: an entry larger than this is refused. */
const MAX_TEXT = 4000;

/**
 * To check that the benchmark notices lost messages: with SOCKETIO_PEER_DROP_EVERY=N, every
 * Nth entry is logged and acknowledged but broadcast to nobody. Unset in a real run.
 */
const DROP_EVERY = Number(process.env.SOCKETIO_PEER_DROP_EVERY ?? 0);

const http = createServer();
const io = new Server(http, {
  transports: ["websocket"],
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: 64 * 1024,
});

/** Room name → its log, oldest first; entry `seq` is at index `seq - 1`. */
const logs = new Map();

function logOf(room) {
  let log = logs.get(room);
  if (!log) {
    log = [];
    logs.set(room, log);
  }
  return log;
}

io.on("connection", (socket) => {
  socket.on("join", (join, ack) => {
    if (typeof ack !== "function") return socket.disconnect(true);
    const { room, actor, since = 0 } = join ?? {};
    if (typeof room !== "string" || typeof actor !== "string" || !Number.isInteger(since)) {
      return ack({ error: "join needs a room, an actor and an integer since" });
    }
    if (socket.data.room) socket.leave(socket.data.room);
    socket.data.room = room;
    socket.data.actor = actor;
    socket.join(room);
    const log = logOf(room);
    ack({ head: log.length, entries: log.slice(Math.max(0, since)) });
  });

  socket.on("post", (post, ack) => {
    if (typeof ack !== "function") return socket.disconnect(true);
    const { room, actor } = socket.data;
    const { id, kind, text } = post ?? {};
    if (!room) return ack({ id, error: "join a room first" });
    if (typeof text !== "string" || text.length > MAX_TEXT || typeof kind !== "string") {
      return ack({ id, error: "an entry needs a kind and a text of at most 4000 characters" });
    }
    const log = logOf(room);
    const seq = log.length + 1;
    const entry = {
      seq,
      at: new Date().toISOString(),
      actor,
      event: { type: "note_posted", note: seq, kind, text },
    };
    log.push(entry);
    // One encoding, written to every socket in the room (Socket.IO's in-memory adapter).
    if (!(DROP_EVERY > 0 && seq % DROP_EVERY === 0)) io.to(room).emit("entry", entry);
    ack({ id, seq });
  });
});

http.listen(0, "127.0.0.1", () => {
  console.log(`socketio-peer listening on 127.0.0.1:${http.address().port} (socket.io ${version})`);
});

const stop = () => io.close(() => process.exit(0));
process.stdin.on("end", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
