------------------------------ MODULE QuorumSym ------------------------------
(***************************************************************************)
(* Quorum.tla with the replicas treated as interchangeable.                *)
(*                                                                         *)
(* Quorum.tla numbers its replicas 1..N but never does arithmetic on a     *)
(* replica id or compares two of them: ids are only function arguments    *)
(* (ver, resp) and the first component of the inflight pairs.  So the      *)
(* replicas can be replaced by a set of N model values and TLC may         *)
(* identify states that differ by a permutation of them.                   *)
(*                                                                         *)
(* The spec is reused unchanged: the .cfg overrides the definition         *)
(* Replicas == 1..N by ReplicaSet (Replicas <- ReplicaSet), and N must     *)
(* still equal Cardinality(ReplicaSet) because TypeOK ranges nacks over    *)
(* 0..N.  The cfg then says SYMMETRY ReplicaPerms.                         *)
(***************************************************************************)
EXTENDS Quorum, TLC

CONSTANT ReplicaSet

ASSUME Cardinality(ReplicaSet) = N

ReplicaPerms == Permutations(ReplicaSet)
=============================================================================
