/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PKCS#7 (CMS SignedData) signatures built by hand, in DER, for the
 * signed-loader tests: what neither sign-file nor OpenSSL's CMS makes.
 *
 * Every blob is one DER object with definite lengths and nothing after it:
 * a ContentInfo of type signedData whose SignedData (version 1) has detached
 * content (contentInfo is id-data with no content), no certificates, no CRLs
 * and SignerInfos (version 1) identified by issuerAndSerialNumber, with no
 * authenticatedAttributes and no unauthenticatedAttributes.
 *
 * Algorithms are named as the kernel names them: digests "sha224", "sha256",
 * "sha384", "sha512", "sha3-256", "sha3-384", "sha3-512"; signatures
 * "mldsa44", "mldsa65", "mldsa87" (id-ml-dsa-*, no parameters) and "rsa"
 * (rsaEncryption, NULL parameters; PKCS#1 v1.5 over the digest).
 *
 * On -E2BIG, *@len is the size the blob needs.
 */
#ifndef __SIGNED_LOADER_PKCS7_H
#define __SIGNED_LOADER_PKCS7_H

#include <stddef.h>

/*
 * @nsigners SignerInfos, each: issuer CN=x, serial number its index + 1,
 * digestAlgorithm sha512 (also the one digestAlgorithms entry),
 * digestEncryptionAlgorithm @pkey_algo and an encryptedDigest of @sig_len
 * filler bytes.  No key of the tests matches them: the kernel parses it, gives
 * each ML-DSA signer hash_algo "none" (it signs the data itself), checks every
 * signer in pkcs7_verify() and, finding no key, fails with -ENOKEY.
 *
 * Returns 0, -E2BIG if the blob does not fit @cap bytes of @buf (@buf may be
 * NULL to size it), -EINVAL for an unknown @pkey_algo or @nsigners < 1.
 */
int sl_pkcs7_signers(void *buf, size_t cap, int nsigners, const char *pkey_algo,
		     size_t sig_len, size_t *len);

/*
 * The largest nsigners for which sl_pkcs7_signers() fits @cap bytes (0 if
 * none does), or -EINVAL for an unknown @pkey_algo.
 */
int sl_pkcs7_max_signers(size_t cap, const char *pkey_algo, size_t sig_len);

/*
 * One SignerInfo for the X.509 certificate @cert_der (DER, @cert_len bytes):
 * its issuer Name and serialNumber copied byte for byte from the
 * tbsCertificate, so that the kernel's key id (serial || issuer) of the
 * signer and of the certificate are the same; digestAlgorithm @digest_algo,
 * digestEncryptionAlgorithm @pkey_algo and encryptedDigest @sig.
 *
 * For ML-DSA, @sig is the signature of the data itself (openssl pkeyutl
 * -sign -rawin); for "rsa", a PKCS#1 v1.5 signature of its @digest_algo
 * digest (openssl dgst -sign).
 *
 * Returns 0, -EINVAL if the certificate is malformed or an algorithm unknown,
 * -E2BIG if the blob does not fit @cap bytes of @buf.
 */
int sl_pkcs7_wrap(const void *cert_der, size_t cert_len, const char *pkey_algo,
		  const char *digest_algo, const void *sig, size_t sig_len,
		  void *buf, size_t cap, size_t *len);

#endif /* __SIGNED_LOADER_PKCS7_H */
