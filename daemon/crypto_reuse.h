/*
 * crypto_reuse: what OpenSSL 3 would set up again on every call, set up
 * once and reused on the intake path. Its one-shot HMAC() and SHA256()
 * fetch the digest (and key it) on each call, and each RAND_bytes() goes
 * through its DRBG's locks and parameters, whatever the size asked for.
 */
#ifndef MASHD_CRYPTO_REUSE_H
#define MASHD_CRYPTO_REUSE_H

#include <stddef.h>

/* HMAC-SHA256 of the string text under the string secret into md (at
 * least EVP_MAX_MD_SIZE bytes): its length. */
unsigned crypto_hmac_sha256(const char *secret, const char *text,
			    unsigned char *md);
/* SHA-256 of len bytes at buf into md (SHA256_DIGEST_LENGTH bytes). */
void crypto_sha256(const void *buf, size_t len, unsigned char *md);
/* n random bytes (at most 1024) into out; -1 when there are none. */
int crypto_random(unsigned char *out, size_t n);

#endif
