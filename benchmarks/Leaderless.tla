----------------------------- MODULE Leaderless -----------------------------
(***************************************************************************)
(* replcheck's leaderless family (models/leaderless.py) with client        *)
(* sessions and asynchronous read repair, written a second time in TLA+   *)
(* so that TLC's distinct-state count is replcheck's on the same          *)
(* configuration: a second, independent implementation of the semantics.  *)
(* Covered: one key, N home replicas, write quorum W, read quorum R,      *)
(* read_repair = "async", client scripts of w and r; no faults (crashes,  *)
(* drops, duplicates, partitions), no sloppy quorum, no anti-entropy.     *)
(*                                                                         *)
(* Every variable is one part of replcheck's World, one to one:           *)
(*   store[i]  node i's Stored (ts, writer, value); init (0, -1, 0)       *)
(*   pc[c]     client c's next script position (0-based, as in Python)   *)
(*   op[c]     client c's running operation: "none", "writing" with the  *)
(*             write's version and the set of nodes that acknowledged,   *)
(*             or "reading" with the replies (node, Stored) so far        *)
(*   net       the messages in flight, a multiset (a bag)                 *)
(*   history   the invocations and completions, in order: the record    *)
(*             replcheck keeps to judge the guarantees                   *)
(* The faults and the family-wide extra state of World are constant in    *)
(* this fault-free configuration, so they need no variable.              *)
(*                                                                         *)
(* Actor ids as in replcheck: nodes 0..N-1, client c is N + c.  A message *)
(* carries a tag: the client's pc when it was sent, or -1 for the read    *)
(* repair's fire-and-forget puts.  Steps (one per replcheck step):        *)
(*   Invoke(c)   the next operation of c's script starts: a write stamps  *)
(*               version (1 + writes invoked so far, c) and sends put to  *)
(*               every home; a read sends get to every home              *)
(*   Deliver(m)  one copy of m is delivered.  A node keeps a put's value  *)
(*               if its version is newer, and acks a tagged put; answers  *)
(*               a get with what it holds.  A client ignores a reply to   *)
(*               an earlier operation; a write completes at W acks; a     *)
(*               read completes at R replies, returns the newest, and     *)
(*               pushes it to the replies that were older (async repair). *)
(*               A completed operation forgets the replies still in      *)
(*               flight to its client and its gets still in flight       *)
(*               (replcheck's sound reduction: they could only produce   *)
(*               ignored replies).                                        *)
(* Terminal states exist (every script done, nothing in flight): run TLC  *)
(* with -deadlock.  No symmetry, no VIEW: every variable counts.          *)
(***************************************************************************)
EXTENDS Integers, Sequences, FiniteSets, Bags

CONSTANTS N, W, R, Scripts   \* Scripts: a sequence of client scripts, each a sequence of "w" / "r"

Nodes == 0..N-1
Clients == 0..Len(Scripts)-1
Actor(c) == N + c
NoTag == -1
NoVersion == -2   \* an invocation's version (replcheck: None)

\* The unique value a write writes: writes are numbered 1, 2, ... in script order.
WritesBefore(c, i) ==
    LET slots == UNION {{d} \X (1..Len(Scripts[d + 1])) : d \in 0..c}
    IN Cardinality({s \in slots : Scripts[s[1] + 1][s[2]] = "w" /\ (s[1] < c \/ s[2] <= i)})
WriteValue(c, pc) == WritesBefore(c, pc + 1)   \* pc is 0-based, scripts 1-based

Stored(ts, writer, val) == [ts |-> ts, writer |-> writer, val |-> val]
Newer(a, b) == a.ts > b.ts \/ (a.ts = b.ts /\ a.writer > b.writer)
Msg(kind, dst, src, tag, s) == [kind |-> kind, dst |-> dst, src |-> src, tag |-> tag, s |-> s]
NoStored == Stored(0, 0, 0)   \* the unused Stored of acks and gets
Event(kind, c, idx, o, val, ts, writer) ==
    [kind |-> kind, client |-> c, index |-> idx, op |-> o, value |-> val, ts |-> ts, writer |-> writer]
Idle == [kind |-> "none", ts |-> 0, writer |-> 0, acks |-> {}, replies |-> {}]

VARIABLES store, pc, op, net, history
vars == <<store, pc, op, net, history>>

Init ==
    /\ store = [i \in Nodes |-> Stored(0, -1, 0)]
    /\ pc = [c \in Clients |-> 0]
    /\ op = [c \in Clients |-> Idle]
    /\ net = EmptyBag
    /\ history = << >>

Send(msgs) == SetToBag(msgs)   \* the messages of one step go to distinct destinations

WritesInvoked == Len(SelectSeq(history, LAMBDA e: e.kind = "invoke" /\ e.op = "w"))

Invoke(c) ==
    /\ op[c].kind = "none"
    /\ pc[c] < Len(Scripts[c + 1])
    /\ LET kind == Scripts[c + 1][pc[c] + 1]
           val == IF kind = "w" THEN WriteValue(c, pc[c]) ELSE 0
           clock == WritesInvoked + 1
       IN /\ history' = Append(history, Event("invoke", c, pc[c], kind, val, NoVersion, NoVersion))
          /\ IF kind = "w"
             THEN /\ net' = net (+) Send({Msg("put", i, Actor(c), pc[c], Stored(clock, c, val)) : i \in Nodes})
                  /\ op' = [op EXCEPT ![c] = [Idle EXCEPT !.kind = "writing", !.ts = clock, !.writer = c]]
             ELSE /\ net' = net (+) Send({Msg("get", i, Actor(c), pc[c], NoStored) : i \in Nodes})
                  /\ op' = [op EXCEPT ![c] = [Idle EXCEPT !.kind = "reading"]]
    /\ UNCHANGED <<store, pc>>

\* A node handles a put or a get.
NodeReceives(m) ==
    LET i == m.dst IN
    /\ m.kind \in {"put", "get"}
    /\ IF m.kind = "put"
       THEN /\ store' = IF Newer(m.s, store[i]) THEN [store EXCEPT ![i] = m.s] ELSE store
            /\ net' = IF m.tag # NoTag THEN (net (-) SetToBag({m})) (+) Send({Msg("ack", m.src, i, m.tag, NoStored)})
                                       ELSE net (-) SetToBag({m})
       ELSE /\ net' = (net (-) SetToBag({m})) (+) Send({Msg("got", m.src, i, m.tag, store[i])})
            /\ UNCHANGED store
    /\ UNCHANGED <<pc, op, history>>

\* What a completed operation of client c leaves in flight: no message to c, none of c's gets.
Forget(bag, c) ==
    LET keep == {m \in BagToSet(bag) : m.dst # Actor(c) /\ ~(m.src = Actor(c) /\ m.kind = "get")}
    IN [m \in keep |-> bag[m]]

Newest(replies) == CHOOSE r \in replies : \A q \in replies : ~Newer(q[2], r[2])

ClientReceives(m) ==
    LET c == m.dst - N
        rest == net (-) SetToBag({m})
    IN
    /\ UNCHANGED store
    /\ IF op[c].kind = "none" \/ m.tag # pc[c]
       THEN /\ net' = rest /\ UNCHANGED <<pc, op, history>>   \* a late reply: ignored
       ELSE IF op[c].kind = "writing" /\ m.kind = "ack"
       THEN LET acks == op[c].acks \cup {m.src} IN
            IF Cardinality(acks) >= W
            THEN /\ history' = Append(history, Event("ok", c, pc[c], "w", WriteValue(c, pc[c]),
                                                     op[c].ts, op[c].writer))
                 /\ pc' = [pc EXCEPT ![c] = @ + 1]
                 /\ op' = [op EXCEPT ![c] = Idle]
                 /\ net' = Forget(rest, c)
            ELSE /\ op' = [op EXCEPT ![c].acks = acks]
                 /\ net' = rest
                 /\ UNCHANGED <<pc, history>>
       ELSE IF op[c].kind = "reading" /\ m.kind = "got"
       THEN LET replies == op[c].replies \cup {<<m.src, m.s>>} IN
            IF Cardinality(replies) >= R
            THEN LET best == Newest(replies)[2]
                     repair == {Msg("put", r[1], Actor(c), NoTag, best) : r \in {q \in replies : Newer(best, q[2])}}
                 IN /\ history' = Append(history, Event("ok", c, pc[c], "r", best.val, best.ts, best.writer))
                    /\ pc' = [pc EXCEPT ![c] = @ + 1]
                    /\ op' = [op EXCEPT ![c] = Idle]
                    /\ net' = Forget(rest, c) (+) Send(repair)
            ELSE /\ op' = [op EXCEPT ![c].replies = replies]
                 /\ net' = rest
                 /\ UNCHANGED <<pc, history>>
       ELSE /\ net' = rest /\ UNCHANGED <<pc, op, history>>   \* a reply of the other kind: ignored

Deliver(m) == IF m.dst < N THEN NodeReceives(m) ELSE ClientReceives(m)

Next ==
    \/ \E c \in Clients : Invoke(c)
    \/ \E m \in BagToSet(net) : Deliver(m)

Spec == Init /\ [][Next]_vars

\* Leaderless.cfg's scripts (a .cfg file cannot spell a tuple): a writer and a reader.
WriterAndReader == << <<"w">>, <<"r">> >>

TypeOK ==
    /\ \A c \in Clients : pc[c] \in 0..Len(Scripts[c + 1])
    /\ IsABag(net)
=============================================================================
