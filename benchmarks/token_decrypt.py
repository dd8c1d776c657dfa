"""Cost of decrypting one stored Glif token with a two-key MultiFernet.

Run: .venv/bin/python benchmarks/token_decrypt.py [decryptions]

A token sealed by the second key costs one failed signature check more than one sealed by the
first, which is what a member pays until `python -m bot rotate-keys` has run.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import time

from cryptography.fernet import Fernet, MultiFernet

DEFAULT_DECRYPTIONS = 10_000
WARM_UP = 200


def measure(cipher: MultiFernet, ciphertext: bytes, decryptions: int) -> list[float]:
    for _ in range(WARM_UP):
        cipher.decrypt(ciphertext)
    durations = []
    for _ in range(decryptions):
        started = time.perf_counter_ns()
        cipher.decrypt(ciphertext)
        durations.append((time.perf_counter_ns() - started) / 1000)
    return durations


def main() -> None:
    decryptions = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DECRYPTIONS
    first, second = Fernet(Fernet.generate_key()), Fernet(Fernet.generate_key())
    cipher = MultiFernet([first, second])
    # The shape the vault seals: "<discord user id>:<glif token>".
    sealed = f"{1_234_567_890_123_456_789}:glif_{secrets.token_urlsafe(24)}".encode()
    print(f"{decryptions} decryptions each, MultiFernet of 2 keys")
    for label, key in (("first key", first), ("second key", second)):
        durations = measure(cipher, key.encrypt(sealed), decryptions)
        mean, p99 = statistics.fmean(durations), statistics.quantiles(durations, n=100)[98]
        print(f"encrypted by the {label}: mean {mean:.1f} µs, p99 {p99:.1f} µs")


if __name__ == "__main__":
    main()
