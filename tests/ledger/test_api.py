"""The ledger's public API is what `zerotrail.ledger` re-exports; this pins it (principle 7)."""

from __future__ import annotations

import zerotrail.ledger as ledger
from zerotrail.errors import VerificationError, ZerotrailError

PUBLIC = {
    # merkle
    "EMPTY_ROOT", "HASH_SIZE", "MAX_TREE_SIZE", "Appended", "HashSource", "ListSource",
    "NodeId", "NodeRun", "append_leaves", "combine", "compact_root", "consistency_proof",
    "consistency_proof_nodes", "inclusion_proof", "inclusion_proof_nodes", "leaf_hash",
    "node_hash", "root_at", "root_hash", "verify_consistency", "verify_inclusion",
    # note
    "COSIGNATURE_V1", "ED25519", "NoteSignature", "NoteVerified", "ParsedNote", "Signer",
    "Verifier", "format_signer_key", "format_verifier_key", "generate_signer", "open_note",
    "parse_note", "parse_signer_key", "parse_verifier_key", "sign_note",
    # checkpoint, cosignature, proof
    "Checkpoint", "format_checkpoint", "parse_checkpoint",
    "cosign", "cosigned_message", "verify_cosignatures",
    "ProofBundle", "format_proof", "parse_proof", "verify_proof_bundle",
    # witness
    "AddCheckpointRequest", "Response", "WitnessState", "WitnessedLog", "add_checkpoint",
    "add_log", "format_add_checkpoint", "parse_add_checkpoint", "state_from_json",
    "state_to_json",
    # errors
    "VerificationError",
}  # fmt: skip


def test_public_api_is_pinned() -> None:
    assert set(ledger.__all__) == PUBLIC
    assert all(hasattr(ledger, name) for name in ledger.__all__)


def test_the_one_verification_error_is_the_projects() -> None:
    assert ledger.VerificationError is VerificationError
    assert issubclass(VerificationError, ZerotrailError)
