#!/usr/bin/env python3
"""tests/crypto/peer_cryptography.py - random differential test of the crypto
layer against python3-cryptography (OpenSSL underneath).

Usage: peer_cryptography.py ORACLE
  ORACLE is the path of tests/crypto/tool_oracle (our side, read its header
  for the line protocol).

For every operation family, random cases are drawn from a seeded generator,
their expected results computed with the cryptography package, and all of
them fed to the oracle through one pipe, twice: once with the dispatchers
free to pick the CPU's fast paths ("native") and once restricted to the
portable code. Negative cases (tampered AEAD ciphertexts, tags, AAD and
nonces; tampered or forged Ed25519 signatures; wrong HMAC tags; X25519
small-order points; out-of-range parameters) must be refused by both sides.
A few results come from Python's hashlib instead, where cryptography has no
API: keyed and short BLAKE2 (hashlib's own BLAKE2). Two are small models
built on cryptography's primitives: the AES-CTR counter wrap of SP 800-38D's
inc32 (from AES-ECB), and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03:
HChaCha20 recovered from one raw ChaCha20 block by subtracting its input
state, then cryptography's ChaCha20-Poly1305 under the subkey; the model is
checked against the draft's section 2.2.1 vector first). Not covered, for
lack of a peer here: BLAKE3 (b3sum covers it in tests/apps/test_digest.sh),
Argon2i/d.

Environment:
  AVILA_PEER_SEED   the generator's seed (decimal); a random one otherwise.
                    It is printed either way: set it to repeat a run.
  AVILA_PEER_SCALE  multiplies every case count (default 1; 0.1 for a smoke run).
  AVILA_PEER_DUMP   a file that receives the full command line, our answer and
                    the expected one of every disagreement.

Prints TAP: one line per family and CPU mode, with the case counts.
"""

import hashlib
import os
import secrets
import struct
import subprocess
import sys
import time
import random

from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, hmac, poly1305, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, utils, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

try:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
except ImportError:  # cryptography < 44
    Argon2id = None

EAUTH = "ERR AVILA_EAUTH"
EINVAL = "ERR AVILA_EINVAL"

# Our digest names (crypto/digest.h) -> (cryptography hash factory, block bytes).
DIGESTS = {
    "sha1": (hashes.SHA1, 64),
    "sha224": (hashes.SHA224, 64),
    "sha256": (hashes.SHA256, 64),
    "sha384": (hashes.SHA384, 128),
    "sha512": (hashes.SHA512, 128),
    "sha512-256": (hashes.SHA512_256, 128),
    "sha3-224": (hashes.SHA3_224, 144),
    "sha3-256": (hashes.SHA3_256, 136),
    "sha3-384": (hashes.SHA3_384, 104),
    "sha3-512": (hashes.SHA3_512, 72),
    "blake2b512": (lambda: hashes.BLAKE2b(64), 128),
    "blake2s256": (lambda: hashes.BLAKE2s(32), 64),
}
SHA2 = ["sha224", "sha256", "sha384", "sha512", "sha512-256"]
SHA3 = ["sha3-224", "sha3-256", "sha3-384", "sha3-512"]

P25519 = 2**255 - 19
ED25519_L = 2**252 + 27742317777372353535851937790883648493


def hx(b):
    """Bytes as an oracle argument or answer: hex, "-" when empty."""
    return b.hex() if b else "-"


class Group:
    """The cases of one family: command lines, expected answers, how many are negative."""

    def __init__(self, name):
        self.name = name
        self.cmds = []
        self.wants = []
        self.negative = 0
        self.skip = None

    def add(self, cmd, want):
        self.cmds.append(cmd)
        self.wants.append(want)
        self.negative += want.startswith("ERR")


class Gen:
    """Random inputs with lengths biased towards block boundaries."""

    def __init__(self, seed, scale):
        self.rng = random.Random(seed)
        self.scale = scale

    def count(self, n):
        return max(1, int(n * self.scale))

    def bytes(self, n):
        return self.rng.randbytes(n)

    def length(self, block=64, cap=1024):
        r = self.rng.random()
        if r < 0.3:
            return self.rng.randrange(0, 2 * block + 2)
        if r < 0.6:
            return max(0, self.rng.randrange(1, 9) * block + self.rng.choice((-1, 0, 1)))
        if r < 0.97:
            return self.rng.randrange(0, cap)
        return self.rng.randrange(cap, 16 * cap)

    def data(self, block=64, cap=1024):
        return self.bytes(self.length(block, cap))

    def flip(self, b):
        """b with one random bit flipped (b must not be empty)."""
        i = self.rng.randrange(len(b) * 8)
        out = bytearray(b)
        out[i // 8] ^= 1 << (i % 8)
        return bytes(out)


def digest(name, data):
    h = hashes.Hash(DIGESTS[name][0]())
    h.update(data)
    return h.finalize()


def mac(name, key, data):
    m = hmac.HMAC(key, DIGESTS[name][0]())
    m.update(data)
    return m.finalize()


# ---------------------------------------------------------------- hashes and MACs


def gen_hashes(g, names, label):
    grp = Group(label)
    for name in names:
        for _ in range(g.count(400)):
            m = g.data(DIGESTS[name][1])
            grp.add(f"{name} {hx(m)}", digest(name, m).hex())
    return grp


def gen_shake(g):
    grp = Group("shake128/256")
    for bits, algo, rate in ((128, hashes.SHAKE128, 168), (256, hashes.SHAKE256, 136)):
        for _ in range(g.count(500)):
            m = g.data(rate)
            out_len = g.rng.randrange(1, 3 * rate + 2) if g.rng.random() < 0.9 else 5000
            h = hashes.Hash(algo(out_len))
            h.update(m)
            grp.add(f"shake{bits} {out_len} {hx(m)}", h.finalize().hex())
    return grp


def gen_blake2(g, which):
    """BLAKE2b/s: cryptography for the plain full-length hash, hashlib for keyed and short ones."""
    b, max_out, block = (64, 64, 128) if which == "b" else (32, 32, 64)
    crypto_hash = hashes.BLAKE2b if which == "b" else hashes.BLAKE2s
    lib_hash = hashlib.blake2b if which == "b" else hashlib.blake2s
    grp = Group(f"blake2{which} (keyed, short: hashlib)")
    for i in range(g.count(1000)):
        m = g.data(block)
        if i % 3 == 0:
            h = hashes.Hash(crypto_hash(b))
            h.update(m)
            grp.add(f"blake2{which} {max_out} - {hx(m)}", h.finalize().hex())
            continue
        out_len = g.rng.randrange(1, max_out + 1)
        key = g.bytes(g.rng.randrange(0, b + 1))
        if i % 50 == 1:  # out of range: both refuse
            out_len, key = g.rng.choice(((0, key), (max_out + 1, key), (out_len, g.bytes(b + 1))))
        try:
            want = lib_hash(m, digest_size=out_len, key=key).hexdigest()
        except ValueError:
            want = EINVAL
        grp.add(f"blake2{which} {out_len} {hx(key)} {hx(m)}", want)
    return grp


def gen_hmac(g):
    grp = Group("hmac (12 hashes)")
    for name, (_, block) in DIGESTS.items():
        for _ in range(g.count(200)):
            key = g.bytes(g.length(block, 300))
            m = g.data(block)
            grp.add(f"hmac-{name} {hx(key)} {hx(m)}", mac(name, key, m).hex())
    return grp


def gen_hmac_verify(g):
    """Right tags (full or truncated to >= 10 bytes) pass; a flipped bit fails on both sides."""
    grp = Group("hmac-verify")
    names = list(DIGESTS)
    for _ in range(g.count(1500)):
        name = g.rng.choice(names)
        key, m = g.data(), g.data()
        tag = mac(name, key, m)
        if g.rng.random() < 0.5:
            tag = tag[: g.rng.randrange(10, len(tag) + 1)]
        if g.rng.random() < 0.5:
            grp.add(f"hmac-verify-{name} {hx(key)} {hx(m)} {hx(tag)}", "OK")
            continue
        bad = g.flip(tag)
        full = mac(name, key, m)
        if len(bad) == len(full):  # the peer's own verdict where it can give one
            h = hmac.HMAC(key, DIGESTS[name][0]())
            h.update(m)
            try:
                h.verify(bad)
                want = "OK"
            except InvalidSignature:
                want = EAUTH
        else:
            want = EAUTH
        grp.add(f"hmac-verify-{name} {hx(key)} {hx(m)} {hx(bad)}", want)
    return grp


def gen_poly1305(g):
    grp = Group("poly1305")
    for i in range(g.count(2000)):
        # One case in ten saturates key and message with ones to stress the carries.
        sat = i % 10 == 0
        key = b"\xff" * 32 if sat and i % 20 == 0 else g.bytes(32)
        n = g.length(16)
        m = b"\xff" * n if sat else g.bytes(n)
        grp.add(f"poly1305 {key.hex()} {hx(m)}", poly1305.Poly1305.generate_tag(key, m).hex())
    return grp


# ---------------------------------------------------------------- key derivation


def gen_hkdf(g):
    grp = Group("hkdf (12 hashes)")
    for name, (algo, block) in DIGESTS.items():
        hl = algo().digest_size
        for i in range(g.count(100)):
            salt, ikm, info = g.bytes(g.length(block, 200)), g.data(), g.bytes(g.length(16, 100))
            length = g.rng.choice((g.rng.randrange(0, 3 * hl), g.rng.randrange(0, 255 * hl + 1)))
            if i % 40 == 39:
                length = 255 * hl + g.rng.randrange(1, 3)
            try:
                want = hx(HKDF(algo(), length, salt or None, info).derive(ikm))
            except ValueError:
                want = EINVAL
            grp.add(f"hkdf-{name} {length} {hx(salt)} {hx(ikm)} {hx(info)}", want)
            prk = g.bytes(hl + g.rng.randrange(0, 2 * block))
            length = g.rng.randrange(1, 4 * hl)
            want = HKDFExpand(algo(), length, info).derive(prk)
            grp.add(f"hkdf-expand-{name} {length} {hx(prk)} {hx(info)}", hx(want))
    return grp


def gen_pbkdf2(g):
    grp = Group("pbkdf2 (12 hashes)")
    for name, (algo, _) in DIGESTS.items():
        for _ in range(g.count(30)):
            pw, salt = g.bytes(g.length(64, 200)), g.bytes(g.rng.randrange(0, 40))
            it = g.rng.choice((1, 2, g.rng.randrange(1, 50), g.rng.randrange(1, 1000)))
            length = g.rng.randrange(1, 3 * algo().digest_size + 2)
            want = PBKDF2HMAC(algo(), length, salt, it).derive(pw).hex()
            grp.add(f"pbkdf2-{name} {it} {length} {hx(pw)} {hx(salt)}", want)
    return grp


def gen_scrypt(g):
    grp = Group("scrypt")
    for i in range(g.count(60)):
        n = 2 ** g.rng.randrange(1, 11)
        r, p = g.rng.randrange(1, 9), g.rng.randrange(1, 4)
        pw, salt = g.bytes(g.rng.randrange(0, 80)), g.bytes(g.rng.randrange(0, 40))
        length = g.rng.randrange(1, 100)
        if i % 10 == 9:
            n += 1  # not a power of two: both refuse
        try:
            want = Scrypt(salt, length, n, r, p).derive(pw).hex()
        except ValueError:
            want = EINVAL
        grp.add(f"scrypt {n} {r} {p} {length} {hx(pw)} {hx(salt)}", want)
    return grp


def gen_argon2id(g):
    grp = Group("argon2id")
    if Argon2id is None:
        grp.skip = "cryptography has no Argon2id (< 44)"
        return grp
    for _ in range(g.count(40)):
        lanes = g.rng.randrange(1, 5)
        m = g.rng.randrange(8 * lanes, 257)
        t = g.rng.randrange(1, 4)
        length = g.rng.randrange(4, 100)
        pw, salt = g.bytes(g.rng.randrange(0, 64)), g.bytes(g.rng.randrange(8, 33))
        secret, ad = g.bytes(g.rng.randrange(0, 33)), g.bytes(g.rng.randrange(0, 33))
        try:
            kdf = Argon2id(salt=salt, length=length, iterations=t, lanes=lanes, memory_cost=m,
                           ad=ad or None, secret=secret or None)
            want = kdf.derive(pw).hex()
        except UnsupportedAlgorithm as e:
            grp.skip = f"Argon2id unsupported by this cryptography build ({e})"
            grp.cmds, grp.wants, grp.negative = [], [], 0
            return grp
        grp.add(f"argon2id {t} {m} {lanes} {length} {hx(pw)} {hx(salt)} {hx(secret)} {hx(ad)}",
                want)
    return grp


# ---------------------------------------------------------------- ciphers and AEADs


def gen_chacha20(g):
    """Raw ChaCha20; the counter never wraps (OpenSSL carries into the nonce, RFC 8439 does not)."""
    grp = Group("chacha20")
    for _ in range(g.count(1500)):
        key, nonce, m = g.bytes(32), g.bytes(12), g.data(64, 4096)
        blocks = (len(m) + 63) // 64
        top = 2**32 - max(blocks, 1)
        counter = g.rng.choice((0, 1, top, g.rng.randrange(0, top + 1)))
        enc = Cipher(algorithms.ChaCha20(key, counter.to_bytes(4, "little") + nonce), None)
        want = enc.encryptor().update(m)
        grp.add(f"chacha20 {key.hex()} {nonce.hex()} {counter} {hx(m)}", hx(want))
    return grp


def aead_tamper(g, key, nonce, aad, sealed, nonce_len):
    """One random alteration of an AEAD open's inputs."""
    kinds = ["tag", "nonce", "key", "aad"] + (["ct", "trunc"] if len(sealed) > 16 else [])
    kind = g.rng.choice(kinds)
    if kind == "tag":
        sealed = sealed[:-1] + bytes([sealed[-1] ^ (1 << g.rng.randrange(8))])
    elif kind == "ct":
        sealed = g.flip(sealed[:-16]) + sealed[-16:]
    elif kind == "trunc":
        sealed = sealed[:-1]
    elif kind == "nonce":
        nonce = g.flip(nonce) if g.rng.random() < 0.8 else g.bytes(nonce_len)
    elif kind == "key":
        key = g.flip(key)
    elif aad:
        aad = g.flip(aad) if g.rng.random() < 0.7 else aad[:-1]
    else:
        aad = g.bytes(1)
    return key, nonce, aad, sealed


def hchacha20(key, nonce16):
    """HChaCha20: words 0-3 and 12-15 of the rounds' output (a ChaCha20 block minus its input)."""
    block = Cipher(algorithms.ChaCha20(key, nonce16), None).encryptor().update(bytes(64))
    state = b"expand 32-byte k" + key + nonce16
    words = zip(struct.unpack("<16I", block), struct.unpack("<16I", state))
    x = [(a - b) % 2**32 for a, b in words]
    return struct.pack("<8I", *x[0:4], *x[12:16])


# draft-irtf-cfrg-xchacha-03 section 2.2.1: the model must give the published subkey.
assert hchacha20(bytes(range(32)), bytes.fromhex("000000090000004a0000000031415927")) == \
    bytes.fromhex("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc")


class XChaCha20Poly1305:
    """The draft's construction: the HChaCha20 subkey, then ChaCha20-Poly1305 under it with the
    nonce 4 zero bytes || nonce[16:]."""

    def __init__(self, key):
        self.key = key

    def _inner(self, nonce):
        return ChaCha20Poly1305(hchacha20(self.key, nonce[:16])), bytes(4) + nonce[16:]

    def encrypt(self, nonce, pt, aad):
        aead, n12 = self._inner(nonce)
        return aead.encrypt(n12, pt, aad)

    def decrypt(self, nonce, sealed, aad):
        aead, n12 = self._inner(nonce)
        return aead.decrypt(n12, sealed, aad)


def gen_chacha_aead(g, op, cls, nonce_len, count):
    """(X)ChaCha20-Poly1305 seal, open, and open of tampered inputs."""
    grp = Group(f"{op} seal/open/tampered")
    for _ in range(g.count(count)):
        key, nonce, aad, pt = g.bytes(32), g.bytes(nonce_len), g.data(16, 100), g.data(64, 4096)
        sealed = cls(key).encrypt(nonce, pt, aad)
        grp.add(f"{op}-seal {key.hex()} {nonce.hex()} {hx(aad)} {hx(pt)}", sealed.hex())
        grp.add(f"{op}-open {key.hex()} {nonce.hex()} {hx(aad)} {sealed.hex()}", hx(pt))
        k2, n2, a2, s2 = aead_tamper(g, key, nonce, aad, sealed, nonce_len)
        try:
            want = hx(cls(k2).decrypt(n2, s2, a2))
        except InvalidTag:
            want = EAUTH
        grp.add(f"{op}-open {k2.hex()} {n2.hex()} {hx(a2)} {s2.hex()}", want)
    return grp


def gcm_seal(key, iv, aad, pt, tag_len):
    enc = Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor()
    enc.authenticate_additional_data(aad)
    ct = enc.update(pt) + enc.finalize()
    return ct + enc.tag[:tag_len]


def gcm_open(key, iv, aad, sealed, tag_len):
    ct, tag = sealed[: len(sealed) - tag_len], sealed[len(sealed) - tag_len :]
    dec = Cipher(algorithms.AES(key), modes.GCM(iv, tag, min_tag_length=tag_len)).decryptor()
    dec.authenticate_additional_data(aad)
    return dec.update(ct) + dec.finalize()


def gen_aes_gcm(g):
    """All key sizes, 96-bit and other IVs (cryptography takes 8..128 bytes), tags of 12..16."""
    grp = Group("aes-gcm seal/open/tampered")
    for _ in range(g.count(1000)):
        key = g.bytes(g.rng.choice((16, 24, 32)))
        iv = g.bytes(12 if g.rng.random() < 0.6 else g.rng.randrange(8, 129))
        tag_len = 16 if g.rng.random() < 0.6 else g.rng.randrange(12, 17)
        aad, pt = g.data(16, 100), g.data(16, 4096)
        sealed = gcm_seal(key, iv, aad, pt, tag_len)
        args = f"{tag_len} {key.hex()} {iv.hex()} {hx(aad)}"
        grp.add(f"aes-gcm-seal {args} {hx(pt)}", sealed.hex())
        grp.add(f"aes-gcm-open {args} {sealed.hex()}", hx(pt))
        k2, iv2, a2, s2 = aead_tamper(g, key, iv, aad, sealed, len(iv))
        try:
            want = hx(gcm_open(k2, iv2, a2, s2, tag_len))
        except InvalidTag:
            want = EAUTH
        grp.add(f"aes-gcm-open {tag_len} {k2.hex()} {iv2.hex()} {hx(a2)} {s2.hex()}", want)
    return grp


def ctr_inc32(key, counter, data):
    """SP 800-38D's CTR with inc32 (the last four bytes wrap), from cryptography's AES-ECB."""
    ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    prefix, low = counter[:12], int.from_bytes(counter[12:], "big")
    blocks = b"".join(prefix + ((low + i) % 2**32).to_bytes(4, "big")
                      for i in range((len(data) + 15) // 16))
    stream = ecb.update(blocks) + ecb.finalize()
    return bytes(a ^ b for a, b in zip(data, stream))


def gen_aes_ctr(g):
    grp = Group("aes-ctr (inc32 wrap modelled on AES-ECB)")
    for i in range(g.count(1500)):
        key, m = g.bytes(g.rng.choice((16, 24, 32))), g.data(16, 4096)
        counter = bytearray(g.bytes(16))
        if i % 8 == 0:  # start just below the 32-bit wrap
            counter[12:] = (2**32 - g.rng.randrange(1, 4)).to_bytes(4, "big")
        counter = bytes(counter)
        blocks = (len(m) + 15) // 16
        if int.from_bytes(counter[12:], "big") + blocks <= 2**32:
            enc = Cipher(algorithms.AES(key), modes.CTR(counter)).encryptor()
            want = enc.update(m) + enc.finalize()
        else:
            want = ctr_inc32(key, counter, m)
        grp.add(f"aes-ctr {key.hex()} {counter.hex()} {hx(m)}", hx(want))
    return grp


def gen_aes_block(g):
    grp = Group("aes-encrypt/decrypt block")
    for _ in range(g.count(500)):
        key, block = g.bytes(g.rng.choice((16, 24, 32))), g.bytes(16)
        c = Cipher(algorithms.AES(key), modes.ECB())
        e, d = c.encryptor(), c.decryptor()
        grp.add(f"aes-encrypt {key.hex()} {block.hex()}", (e.update(block) + e.finalize()).hex())
        grp.add(f"aes-decrypt {key.hex()} {block.hex()}", (d.update(block) + d.finalize()).hex())
    return grp


# ---------------------------------------------------------------- X25519 and Ed25519


def raw_public(key):
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# u-coordinates that must give the all-zero output (RFC 7748 section 6.1's check): 0, 1, -1 and
# the two points of order 8; plus their non-canonical forms u + p where they fit in 255 bits
# (0 and 1 only), and 2^255 - 1 (= 18 mod p).
SMALL_ORDER = [0, 1, P25519 - 1,
               325606250916557431795983626356110631294008115727848805560023387167927233504,
               39382357235489614581723060781553021112529911719440698176882885853963445705823]
ODD_POINTS = SMALL_ORDER + [u + P25519 for u in SMALL_ORDER if u + P25519 < 2**255] + [2**255 - 1]


def gen_x25519(g):
    grp = Group("x25519 (random and small-order points)")
    for i in range(g.count(1000)):
        scalar = g.bytes(32)
        if i % 10 == 0:
            u = g.rng.choice(ODD_POINTS)
            if u < 2**255 and g.rng.random() < 0.3:
                u |= 2**255  # the top bit is ignored
            point = u.to_bytes(32, "little")
        else:
            point = g.bytes(32)  # random top bit: ignored by both
        try:
            priv = x25519.X25519PrivateKey.from_private_bytes(scalar)
            want = priv.exchange(x25519.X25519PublicKey.from_public_bytes(point)).hex()
        except ValueError:  # all-zero shared secret
            want = EAUTH
        grp.add(f"x25519 {scalar.hex()} {point.hex()}", want)
    for _ in range(g.count(500)):
        scalar = g.bytes(32)
        pub = raw_public(x25519.X25519PrivateKey.from_private_bytes(scalar).public_key())
        grp.add(f"x25519-base {scalar.hex()}", pub.hex())
    return grp


def ed_verify(pub, msg, sig):
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(pub).verify(sig, msg)
        return "OK"
    except (InvalidSignature, ValueError):
        return EAUTH


def gen_ed25519(g):
    """Key pairs and signatures byte for byte (RFC 8032 signing is deterministic); verdicts."""
    grp = Group("ed25519 keypair/sign/verify/forged")
    for _ in range(g.count(800)):
        seed, m = g.bytes(32), g.data(128)
        priv = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
        pub, sig = raw_public(priv.public_key()), priv.sign(m)
        grp.add(f"ed25519-keypair {seed.hex()}", pub.hex())
        grp.add(f"ed25519-sign {seed.hex()} {hx(m)}", sig.hex())
        grp.add(f"ed25519-verify {pub.hex()} {hx(m)} {sig.hex()}", ed_verify(pub, m, sig))
        kind = g.rng.choice(("R", "S", "msg", "pub", "S+L", "random"))
        p2, m2, s2 = pub, m, sig
        if kind == "R":
            s2 = g.flip(sig[:32]) + sig[32:]
        elif kind == "S":
            s2 = sig[:32] + g.flip(sig[32:])
        elif kind == "msg":
            m2 = g.flip(m) if m else b"\x00"
        elif kind == "pub":
            p2 = g.flip(pub)
        elif kind == "S+L":  # the malleable form: non-canonical S
            s = int.from_bytes(sig[32:], "little") + ED25519_L
            s2 = sig[:32] + s.to_bytes(32, "little")
        else:
            s2 = g.bytes(64)
        grp.add(f"ed25519-verify {p2.hex()} {hx(m2)} {s2.hex()}", ed_verify(p2, m2, s2))
    return grp


# ---------------------------------------------------------------- P-256

P256_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
ERANGE = "ERR AVILA_ERANGE"
EFORMAT = "ERR AVILA_EFORMAT"
P256_HASHES = {32: hashes.SHA256, 48: hashes.SHA384, 64: hashes.SHA512}


def p256_scalar(g):
    """A private key: mostly random, sometimes an edge (0, 1, n - 1, n, n + 1, 2^256 - 1)."""
    if g.rng.random() < 0.1:
        return g.rng.choice((0, 1, 2, P256_N - 1, P256_N, P256_N + 1, 2**256 - 1))
    return int.from_bytes(g.bytes(32), "big")


def p256_key(d):
    """python3-cryptography's key for d, or None when it refuses it (d not in [1, n - 1])."""
    try:
        return ec.derive_private_key(d, ec.SECP256R1())
    except ValueError:
        return None


def p256_point(pub, form):
    return pub.public_bytes(serialization.Encoding.X962, form)


def p256_decode(data):
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data)
    except ValueError:
        return None


def p256_bad_point(g, good):
    """An encoding of something that is not a valid point, or a valid one altered."""
    kind = g.rng.choice(("flip", "prefix", "x>=p", "noroot", "short", "inf", "hybrid", "y+p"))
    if kind == "flip":
        return g.flip(good)
    if kind == "prefix":
        return bytes([g.rng.choice((0, 1, 5, 8, 0xFF))]) + good[1:]
    if kind == "x>=p":
        x = P256_P + g.rng.randrange(0, 2**32)
        return bytes([g.rng.choice((2, 3))]) + (x % 2**256).to_bytes(32, "big")
    if kind == "noroot":
        while True:
            x = g.rng.randrange(P256_P)
            rhs = (x**3 - 3 * x + P256_B) % P256_P
            if pow(rhs, (P256_P - 1) // 2, P256_P) == P256_P - 1:
                return bytes([2]) + x.to_bytes(32, "big")
    if kind == "short":
        return good[: g.rng.randrange(len(good))]
    if kind == "inf":
        return b"\x00"
    if kind == "hybrid":
        return bytes([6 | (good[-1] & 1)]) + good[1:] if len(good) == 65 else bytes([6]) + good[1:]
    y = int.from_bytes(good[33:65], "big") + P256_P if len(good) == 65 else 2**256
    if y >= 2**256:
        return good[:-1]
    return good[:33] + y.to_bytes(32, "big")


def gen_p256_keys(g):
    grp = Group("p256 public keys and encodings (SEC 1, invalid points refused by both)")
    for _ in range(g.count(300)):
        d = p256_scalar(g)
        key = p256_key(d)
        db = (d % 2**256).to_bytes(32, "big")
        if key is None:
            grp.add(f"p256-pub {db.hex()}", ERANGE)
            continue
        pub = key.public_key()
        u = p256_point(pub, serialization.PublicFormat.UncompressedPoint)
        c = p256_point(pub, serialization.PublicFormat.CompressedPoint)
        grp.add(f"p256-pub {db.hex()}", u.hex())
        grp.add(f"p256-encode 33 {u.hex()}", c.hex())
        grp.add(f"p256-encode 65 {c.hex()}", u.hex())
        bad = p256_bad_point(g, g.rng.choice((u, c)))
        peer = p256_decode(bad)
        if peer is None:
            grp.add(f"p256-encode 65 {hx(bad)}", EFORMAT)
        else:
            grp.add(f"p256-encode 65 {hx(bad)}",
                    p256_point(peer, serialization.PublicFormat.UncompressedPoint).hex())
    return grp


def gen_p256_ecdh(g):
    grp = Group("p256 ecdh (random keys; invalid peer points refused by both)")
    for _ in range(g.count(300)):
        d = p256_scalar(g)
        key = p256_key(d)
        other = ec.generate_private_key(ec.SECP256R1()).public_key()
        form = g.rng.choice((serialization.PublicFormat.UncompressedPoint,
                             serialization.PublicFormat.CompressedPoint))
        peer = p256_point(other, form)
        if g.rng.random() < 0.3:
            peer = p256_bad_point(g, peer)
        decoded = p256_decode(peer)
        db = (d % 2**256).to_bytes(32, "big")
        if decoded is None:
            want = EFORMAT
        elif key is None:
            want = ERANGE
        else:
            want = key.exchange(ec.ECDH(), decoded).hex()
        grp.add(f"p256-ecdh {db.hex()} {hx(peer)}", want)
    return grp


def p256_sig_bytes(der):
    r, s = utils.decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def p256_verify(pub, h, sig):
    hf = P256_HASHES.get(len(h))
    if hf is None or len(sig) != 64:
        return EAUTH
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    try:
        pub.verify(utils.encode_dss_signature(r, s), h, ec.ECDSA(utils.Prehashed(hf())))
        return "OK"
    except InvalidSignature:
        return EAUTH


def gen_p256_ecdsa(g):
    """RFC 6979 signatures byte for byte both ways; peer's random-nonce signatures; forgeries."""
    grp = Group("p256 ecdsa sign (RFC 6979) / verify / forged")
    for _ in range(g.count(400)):
        key = ec.generate_private_key(ec.SECP256R1())
        d = key.private_numbers().private_value.to_bytes(32, "big")
        pub = key.public_key()
        u = p256_point(pub, serialization.PublicFormat.UncompressedPoint)
        hl = g.rng.choice((32, 48, 64))
        h = g.bytes(hl)
        hf = P256_HASHES[hl]
        det = p256_sig_bytes(key.sign(h, ec.ECDSA(utils.Prehashed(hf()),
                                                  deterministic_signing=True)))
        grp.add(f"p256-sign {d.hex()} {h.hex()}", det.hex())
        rnd = p256_sig_bytes(key.sign(h, ec.ECDSA(utils.Prehashed(hf()))))
        grp.add(f"p256-verify {u.hex()} {h.hex()} {rnd.hex()}", "OK")
        kind = g.rng.choice(("r", "s", "hash", "key", "r=0", "s=n", "s=n-s", "random"))
        p2, h2, s2 = pub, h, rnd
        if kind == "r":
            s2 = g.flip(rnd[:32]) + rnd[32:]
        elif kind == "s":
            s2 = rnd[:32] + g.flip(rnd[32:])
        elif kind == "hash":
            h2 = g.flip(h[:32]) + h[32:]
        elif kind == "key":
            p2 = ec.generate_private_key(ec.SECP256R1()).public_key()
        elif kind == "r=0":
            s2 = bytes(32) + rnd[32:]
        elif kind == "s=n":
            s2 = rnd[:32] + P256_N.to_bytes(32, "big")
        elif kind == "s=n-s":  # the other valid signature
            s2 = rnd[:32] + (P256_N - int.from_bytes(rnd[32:], "big")).to_bytes(32, "big")
        else:
            s2 = g.bytes(64)
        if kind in ("r=0", "s=n"):
            want = EAUTH  # out of range: the peer refuses to even encode some of these
        else:
            want = p256_verify(p2, h2, s2)
        c2 = p256_point(p2, serialization.PublicFormat.CompressedPoint)
        grp.add(f"p256-verify {c2.hex()} {h2.hex()} {s2.hex()}", want)
    return grp


# ---------------------------------------------------------------- driver


def build(g):
    return [
        gen_hashes(g, SHA2, "sha2 (5 hashes)"),
        gen_hashes(g, SHA3, "sha3 (4 hashes)"),
        gen_shake(g),
        gen_blake2(g, "b"),
        gen_blake2(g, "s"),
        gen_hmac(g),
        gen_hmac_verify(g),
        gen_poly1305(g),
        gen_hkdf(g),
        gen_pbkdf2(g),
        gen_scrypt(g),
        gen_argon2id(g),
        gen_chacha20(g),
        gen_chacha_aead(g, "chacha20poly1305", ChaCha20Poly1305, 12, 1000),
        gen_chacha_aead(g, "xchacha20poly1305", XChaCha20Poly1305, 24, 500),
        gen_aes_gcm(g),
        gen_aes_ctr(g),
        gen_aes_block(g),
        gen_x25519(g),
        gen_ed25519(g),
        gen_p256_keys(g),
        gen_p256_ecdh(g),
        gen_p256_ecdsa(g),
    ]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: peer_cryptography.py ORACLE")
    oracle = sys.argv[1]
    seed = int(os.environ.get("AVILA_PEER_SEED") or secrets.randbits(32))
    scale = float(os.environ.get("AVILA_PEER_SCALE") or 1)
    dump = os.environ.get("AVILA_PEER_DUMP")
    print(f"# seed {seed} (AVILA_PEER_SEED={seed} repeats this run), scale {scale}")

    t0 = time.time()
    groups = build(Gen(seed, scale))
    t1 = time.time()
    modes_ = ("native", "portable")
    lines = []
    for mode in modes_:
        lines += [f"cpu {mode}", "impl"]
        for grp in groups:
            lines += grp.cmds
    proc = subprocess.run([oracle], input="\n".join(lines) + "\n", capture_output=True, text=True)
    t2 = time.time()
    got = proc.stdout.split("\n")
    ncases = sum(len(grp.cmds) for grp in groups)
    print(f"# {ncases} cases x {len(modes_)} CPU modes: generated in {t1 - t0:.1f} s, "
          f"oracle {t2 - t1:.1f} s")
    if proc.returncode != 0 or len(got) < len(lines):
        print(f"# oracle exit status {proc.returncode}, {len(got)} of {len(lines)} answers")
        for line in proc.stderr.splitlines()[:20]:
            print(f"#   {line}")

    n, failed, pos = 0, 0, 0
    out = open(dump, "w") if dump else None
    for mode in modes_:
        print(f"# {mode}: {got[pos + 1] if pos + 1 < len(got) else '?'}")
        pos += 2
        for grp in groups:
            n += 1
            if grp.skip:
                print(f"ok {n} - {grp.name} [{mode}] # SKIP {grp.skip}")
                continue
            bad = []
            for cmd, want in zip(grp.cmds, grp.wants):
                answer = got[pos] if pos < len(got) else "<no answer>"
                pos += 1
                if answer != want:
                    bad.append((cmd, answer, want))
            neg = f", {grp.negative} refused by both" if grp.negative else ""
            if not bad:
                print(f"ok {n} - {grp.name} [{mode}]: {len(grp.cmds)} random cases agree{neg}")
                continue
            failed += 1
            print(f"not ok {n} - {grp.name} [{mode}]: {len(bad)} of {len(grp.cmds)} disagree")
            for cmd, answer, want in bad[:3]:
                print(f"#   command: {cmd[:300]}{'...' if len(cmd) > 300 else ''}")
                print(f"#   ours:    {answer[:200]}")
                print(f"#   peer:    {want[:200]}")
            if out:
                for cmd, answer, want in bad:
                    out.write(f"{cmd}\n# ours {answer}\n# peer {want}\n")
    if out:
        out.close()
    if failed:
        print(f"# reproduce with AVILA_PEER_SEED={seed}")
    print(f"1..{n}")
    return 1 if failed or proc.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
