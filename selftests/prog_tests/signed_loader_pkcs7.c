// SPDX-License-Identifier: GPL-2.0
/*
 * DER encoder of the PKCS#7 blobs of signed_loader_pkcs7.h.
 *
 * A blob is written back to front, from the end of the buffer: the contents
 * of a constructed value first, its last element first, then its header,
 * whose length is the number of bytes written since the contents began.  Any
 * length is thus exact, in short form (below 128) or long form, without a
 * second pass.  A write that does not fit is not made, but counted: the
 * finished blob is moved to the start of the buffer, or -E2BIG is returned
 * with the size it needs.
 *
 * What the kernel does with these blobs (crypto/asymmetric_keys/, 7.3):
 *
 * - asn1_ber_decoder() with pkcs7.asn1: the signerInfos and digestAlgorithms
 *   SETs, the Name's SEQUENCE OF and each RDN's SET OF need an element (an
 *   empty one is a data overrun, -EBADMSG); every optional field left out is
 *   skipped; lengths may have at most two octets and a message 65535 bytes.
 * - pkcs7_note_OID() prints every OID it does not know: only known ones are
 *   used here (data, signedData, commonName, the digests and key types).
 * - pkcs7_check_content_type(): signedData.  pkcs7_note_signeddata_version()
 *   and pkcs7_note_signerinfo_version(): 1 and 1, one octet each, so the
 *   signer is found by issuer and serial (expect_skid false).
 *   pkcs7_note_content(): id-data.  No content: msg->data stays NULL until
 *   the detached data is supplied.  No certificates: msg->certs is NULL.
 * - pkcs7_sig_note_digest_algo(): any digest of the table sets hash_algo.
 *   pkcs7_sig_note_pkey_algo(): "rsa"/"pkcs1", or "mldsaNN"/"raw" with
 *   algo_takes_data.  pkcs7_sig_note_issuer() and pkcs7_sig_note_serial()
 *   keep the Name's and the INTEGER's contents, pkcs7_note_signed_info()
 *   makes auth_ids[0] = serial || issuer of them, the id x509_cert_parse()
 *   gives the certificate from its own serialNumber and issuer.
 * - pkcs7_check_authattrs(): no signer has authenticatedAttributes, so they
 *   are consistent; an ML-DSA signer's hash_algo becomes "none".
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

#include "signed_loader_pkcs7.h"

#define DER_INT		0x02
#define DER_OCTETS	0x04
#define DER_NULL	0x05
#define DER_OID		0x06
#define DER_SEQ		0x30
#define DER_SET		0x31
#define DER_CTX0	0xa0	/* [0], constructed */

/* The encryptedDigest of sl_pkcs7_signers() */
#define SL_FILLER	0x5a
/* An INTEGER of an unsigned long: identifier, length, 0, value */
#define SL_SERIAL_MAX	(3 + sizeof(unsigned long))

struct sl_oid {
	const char *name;	/* the kernel's name of the algorithm */
	bool null_params;	/* AlgorithmIdentifier parameters NULL, or none */
	__u8 len;
	__u8 der[9];		/* the contents octets */
};

/*
 * 1.2.840.113549 is 2a 86 48 86 f7 0d: 1 * 40 + 2 = 0x2a, 840 = 6 * 128 + 72,
 * 113549 = 6 * 128^2 + 119 * 128 + 13.  2.16.840.1.101.3.4 is 60 86 48 01 65
 * 03 04: 2 * 40 + 16 = 0x60.  2.5.4.3 is 55 04 03.
 */
static const struct sl_oid sl_oid_data = {	/* 1.2.840.113549.1.7.1 */
	"data", false, 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 }
};

static const struct sl_oid sl_oid_signed_data = {	/* 1.2.840.113549.1.7.2 */
	"signedData", false, 9,
	{ 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 }
};

static const struct sl_oid sl_digests[] = {
	/* 2.16.840.1.101.3.4.2.{4,1,2,3,8,9,10} */
	{ "sha224", false, 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04 } },
	{ "sha256", false, 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01 } },
	{ "sha384", false, 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02 } },
	{ "sha512", false, 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03 } },
	{ "sha3-256", false, 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x08 } },
	{ "sha3-384", false, 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x09 } },
	{ "sha3-512", false, 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x0a } },
	{}
};

static const struct sl_oid sl_pkeys[] = {
	/* 2.16.840.1.101.3.4.3.{17,18,19}: id-ml-dsa-44/65/87, no parameters */
	{ "mldsa44", false, 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x11 } },
	{ "mldsa65", false, 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12 } },
	{ "mldsa87", false, 9, { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x13 } },
	/* 1.2.840.113549.1.1.1: rsaEncryption, NULL parameters */
	{ "rsa", true, 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 } },
	{}
};

/*
 * The issuer of sl_pkcs7_signers(): SEQUENCE { SET { SEQUENCE {
 * OID 2.5.4.3 (commonName), UTF8String "x" } } }, the smallest Name the
 * kernel takes with an attribute type it knows.
 */
static const __u8 sl_issuer_cn_x[] = {
	DER_SEQ, 0x0c, DER_SET, 0x0a, DER_SEQ, 0x08,
	DER_OID, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 'x'
};

static const struct sl_oid *sl_oid_find(const struct sl_oid *table,
					const char *name)
{
	if (!name)
		return NULL;
	for (; table->name; table++)
		if (!strcmp(table->name, name))
			return table;
	return NULL;
}

/* The DER writer */

struct der {
	__u8 *buf;	/* NULL: sizing only */
	size_t cap;
	size_t len;	/* bytes written, at the end of buf */
	bool full;	/* a write did not fit: only counting from then on */
	bool overflow;	/* len would not fit a size_t */
};

/* Room for @n more bytes before those written, or NULL if they do not fit. */
static __u8 *der_room(struct der *d, size_t n)
{
	if (n > SIZE_MAX - d->len) {
		d->overflow = true;
		d->full = true;
		return NULL;
	}
	d->len += n;
	if (d->full || !d->buf || d->len > d->cap) {
		d->full = true;
		return NULL;
	}
	return d->buf + d->cap - d->len;
}

static void der_bytes(struct der *d, const void *p, size_t n)
{
	__u8 *dst = der_room(d, n);

	if (dst && n)
		memcpy(dst, p, n);
}

static void der_fill(struct der *d, __u8 c, size_t n)
{
	__u8 *dst = der_room(d, n);

	if (dst && n)
		memset(dst, c, n);
}

/* Identifier and length octets of a value of @n contents octets. */
static void der_header(struct der *d, __u8 tag, size_t n)
{
	__u8 hdr[2 + sizeof(size_t)];
	size_t i = sizeof(hdr);
	__u8 octets = 0;

	if (n < 0x80) {
		hdr[--i] = n;
	} else {
		do {
			hdr[--i] = n & 0xff;
			n >>= 8;
			octets++;
		} while (n);
		hdr[--i] = 0x80 | octets;
	}
	hdr[--i] = tag;
	der_bytes(d, hdr + i, sizeof(hdr) - i);
}

/* Ends a constructed value whose contents began when d->len was @mark. */
static void der_close(struct der *d, __u8 tag, size_t mark)
{
	der_header(d, tag, d->len - mark);
}

static void der_prim(struct der *d, __u8 tag, const void *p, size_t n)
{
	der_bytes(d, p, n);
	der_header(d, tag, n);
}

/* AlgorithmIdentifier ::= SEQUENCE { algorithm, parameters OPTIONAL } */
static void der_algo(struct der *d, const struct sl_oid *oid)
{
	size_t mark = d->len;

	if (oid->null_params)
		der_header(d, DER_NULL, 0);
	der_prim(d, DER_OID, oid->der, oid->len);
	der_close(d, DER_SEQ, mark);
}

/* Moves the blob to the start of the buffer. */
static int der_finish(struct der *d, size_t *len)
{
	if (len)
		*len = d->overflow ? SIZE_MAX : d->len;
	if (d->full)
		return -E2BIG;
	memmove(d->buf, d->buf + d->cap - d->len, d->len);
	return 0;
}

/* PKCS#7 */

struct sl_signer {
	const void *issuer;	/* Name, identifier to contents */
	size_t issuer_len;
	const void *serial;	/* INTEGER, identifier to contents */
	size_t serial_len;
	const struct sl_oid *digest;
	const struct sl_oid *pkey;
	const void *sig;	/* NULL: sig_len bytes of SL_FILLER */
	size_t sig_len;
};

/*
 * SignerInfo ::= SEQUENCE {
 *	version INTEGER (1),
 *	issuerAndSerialNumber SEQUENCE { issuer Name, serialNumber INTEGER },
 *	digestAlgorithm AlgorithmIdentifier,
 *	digestEncryptionAlgorithm AlgorithmIdentifier,
 *	encryptedDigest OCTET STRING }
 */
static void der_signer_info(struct der *d, const struct sl_signer *s)
{
	static const __u8 version = 1;
	size_t mark = d->len, ias;

	if (s->sig)
		der_bytes(d, s->sig, s->sig_len);
	else
		der_fill(d, SL_FILLER, s->sig_len);
	der_header(d, DER_OCTETS, s->sig_len);
	der_algo(d, s->pkey);
	der_algo(d, s->digest);
	ias = d->len;
	der_bytes(d, s->serial, s->serial_len);
	der_bytes(d, s->issuer, s->issuer_len);
	der_close(d, DER_SEQ, ias);
	der_prim(d, DER_INT, &version, 1);
	der_close(d, DER_SEQ, mark);
}

/* Writes the contents of the signerInfos SET. */
typedef void (*sl_signers_fn)(struct der *d, const void *arg);

/*
 * ContentInfo ::= SEQUENCE {
 *	contentType OID (signedData),
 *	content [0] EXPLICIT SEQUENCE {
 *		version INTEGER (1),
 *		digestAlgorithms SET OF AlgorithmIdentifier (@digest),
 *		contentInfo SEQUENCE { contentType OID (data) },
 *		signerInfos SET OF SignerInfo } }
 */
static void der_signed_data(struct der *d, const struct sl_oid *digest,
			    sl_signers_fn signers, const void *arg)
{
	static const __u8 version = 1;
	size_t start = d->len, mark;

	signers(d, arg);
	der_close(d, DER_SET, start);
	mark = d->len;
	der_prim(d, DER_OID, sl_oid_data.der, sl_oid_data.len);
	der_close(d, DER_SEQ, mark);
	mark = d->len;
	der_algo(d, digest);
	der_close(d, DER_SET, mark);
	der_prim(d, DER_INT, &version, 1);
	/* SignedData, [0] and ContentInfo all end where the blob ends. */
	der_close(d, DER_SEQ, start);
	der_close(d, DER_CTX0, start);
	der_prim(d, DER_OID, sl_oid_signed_data.der, sl_oid_signed_data.len);
	der_close(d, DER_SEQ, start);
}

/* INTEGER @v, identifier to contents, at the end of @out; returns its size. */
static size_t sl_serial(__u8 out[SL_SERIAL_MAX], unsigned long v)
{
	size_t i = SL_SERIAL_MAX, end = i;

	do {
		out[--i] = v & 0xff;
		v >>= 8;
	} while (v);
	if (out[i] & 0x80)
		out[--i] = 0;	/* positive */
	out[i - 1] = end - i;
	out[i - 2] = DER_INT;
	return end - i + 2;
}

/* Signer @index of sl_pkcs7_signers(), its serial number kept in @serial. */
static void sl_signer_nth(struct sl_signer *s, __u8 serial[SL_SERIAL_MAX],
			  int index, const struct sl_oid *pkey, size_t sig_len)
{
	memset(s, 0, sizeof(*s));
	s->issuer = sl_issuer_cn_x;
	s->issuer_len = sizeof(sl_issuer_cn_x);
	s->serial_len = sl_serial(serial, (unsigned long)index + 1);
	s->serial = serial + SL_SERIAL_MAX - s->serial_len;
	s->digest = sl_oid_find(sl_digests, "sha512");
	s->pkey = pkey;
	s->sig_len = sig_len;
}

struct sl_signers_arg {
	int n;
	const struct sl_oid *pkey;
	size_t sig_len;
};

/*
 * Signer n - 1 first, as the blob is written back to front: the SET is in
 * ascending serial order, which is also the DER order of its elements (the
 * same but for the serial, or longer with a longer serial).
 */
static void sl_signers_emit(struct der *d, const void *arg)
{
	const struct sl_signers_arg *a = arg;
	__u8 serial[SL_SERIAL_MAX];
	struct sl_signer s;
	int i;

	for (i = a->n - 1; i >= 0; i--) {
		sl_signer_nth(&s, serial, i, a->pkey, a->sig_len);
		der_signer_info(d, &s);
	}
}

/*
 * What the kernel does with it, after pkcs7_parse_message() (see the top of
 * this file):
 *
 * - pkcs7_verify() (VERIFYING_BPF_SIGNATURE: data_type is OID_data) calls
 *   pkcs7_verify_one() for every signer: pkcs7_digest() gives an ML-DSA signer
 *   the data itself as sig->m (no authenticatedAttributes, algo_takes_data);
 *   pkcs7_find_key() finds no certificate in the message, so the signer has
 *   none and is not verified there (0).  All this comes before any key is
 *   looked up: with the data supplied in pieces, through
 *   pkcs7_supply_detached_data_vec(), a pkcs7_digest() that joins them into
 *   sig->m, which is per signer, makes one copy of the payload per SignerInfo.
 * - pkcs7_validate_trust() looks every signer up by auth_ids[0] in the
 *   trusted keyring (find_asymmetric_key(), "ex:" + hex of serial || issuer):
 *   no key has issuer CN=x and such a serial, -ENOKEY for each signer, and
 *   the load fails with -ENOKEY.
 */
int sl_pkcs7_signers(void *buf, size_t cap, int nsigners, const char *pkey_algo,
		     size_t sig_len, size_t *len)
{
	struct sl_signers_arg a = {
		.n = nsigners,
		.pkey = sl_oid_find(sl_pkeys, pkey_algo),
		.sig_len = sig_len,
	};
	struct der d = { .buf = buf, .cap = cap };

	if (!a.pkey || nsigners < 1)
		return -EINVAL;
	der_signed_data(&d, sl_oid_find(sl_digests, "sha512"), sl_signers_emit,
			&a);
	return der_finish(&d, len);
}

static void sl_reserve_emit(struct der *d, const void *arg)
{
	der_room(d, *(const size_t *)arg);
}

/*
 * Adds signers one by one, each sized alone, until the blob outgrows @cap:
 * the blob is its signers and headers that depend only on their total size.
 */
int sl_pkcs7_max_signers(size_t cap, const char *pkey_algo, size_t sig_len)
{
	const struct sl_oid *pkey = sl_oid_find(sl_pkeys, pkey_algo);
	__u8 serial[SL_SERIAL_MAX];
	size_t signers = 0;
	struct sl_signer s;
	int n;

	if (!pkey)
		return -EINVAL;
	for (n = 0; n < INT_MAX; n++) {
		struct der one = {}, all = {};

		sl_signer_nth(&s, serial, n, pkey, sig_len);
		der_signer_info(&one, &s);
		if (one.overflow || one.len > SIZE_MAX - signers)
			break;
		signers += one.len;
		der_signed_data(&all, s.digest, sl_reserve_emit, &signers);
		if (all.overflow || all.len > cap)
			break;
	}
	return n;
}

/* The certificate reader */

struct der_tlv {
	const __u8 *tlv;	/* identifier octet */
	size_t tlv_len;
	__u8 tag;
	const __u8 *val;	/* contents */
	size_t len;
};

/* Reads the value at *@p, before @end, and moves *@p past it. */
static int der_next(const __u8 **p, const __u8 *end, struct der_tlv *t)
{
	const __u8 *q = *p;
	size_t len, octets;

	if (end - q < 2)
		return -EINVAL;
	t->tlv = q;
	t->tag = *q++;
	if ((t->tag & 0x1f) == 0x1f)
		return -EINVAL;	/* high tag number: none where we read */
	len = *q++;
	if (len & 0x80) {
		octets = len & 0x7f;
		/* 0x80 is an indefinite length, not DER */
		if (!octets || octets > sizeof(size_t) ||
		    octets > (size_t)(end - q))
			return -EINVAL;
		for (len = 0; octets; octets--)
			len = len << 8 | *q++;
	}
	if (len > (size_t)(end - q))
		return -EINVAL;
	t->val = q;
	t->len = len;
	t->tlv_len = q + len - t->tlv;
	*p = q + len;
	return 0;
}

/*
 * The issuer and serialNumber, identifier to contents, as the certificate
 * encodes them (DER if it is DER):
 *
 * Certificate ::= SEQUENCE { tbsCertificate SEQUENCE {
 *	version [0] EXPLICIT INTEGER OPTIONAL, serialNumber INTEGER,
 *	signature AlgorithmIdentifier, issuer Name, ... }, ... }
 */
static int sl_cert_issuer_serial(const void *cert_der, size_t cert_len,
				 struct der_tlv *issuer, struct der_tlv *serial)
{
	const __u8 *p = cert_der, *end;
	struct der_tlv cert, tbs, algo;

	if (!cert_der)
		return -EINVAL;
	end = p + cert_len;
	if (der_next(&p, end, &cert) || cert.tag != DER_SEQ || p != end)
		return -EINVAL;
	p = cert.val;
	end = cert.val + cert.len;
	if (der_next(&p, end, &tbs) || tbs.tag != DER_SEQ)
		return -EINVAL;
	p = tbs.val;
	end = tbs.val + tbs.len;
	if (der_next(&p, end, serial))
		return -EINVAL;
	if (serial->tag == DER_CTX0 && der_next(&p, end, serial))
		return -EINVAL;
	if (serial->tag != DER_INT || !serial->len)
		return -EINVAL;
	if (der_next(&p, end, &algo) || algo.tag != DER_SEQ)
		return -EINVAL;
	if (der_next(&p, end, issuer) || issuer->tag != DER_SEQ)
		return -EINVAL;
	return 0;
}

static void sl_wrap_emit(struct der *d, const void *arg)
{
	der_signer_info(d, arg);
}

/*
 * What the kernel does with it, after pkcs7_parse_message():
 *
 * - pkcs7_verify(): pkcs7_digest() gives an ML-DSA signer the data itself
 *   (hash_algo "none"), an RSA one the @digest_algo digest of it, which needs
 *   that hash in the kernel (else -ENOPKG, and the load fails with it);
 *   pkcs7_find_key() finds no certificate in the message (0).
 * - pkcs7_validate_trust() -> pkcs7_validate_trust_one(): with no signer
 *   certificate, the last resort, find_asymmetric_key(keyring,
 *   auth_ids[0]): the key whose id[0], the certificate's serial || issuer, is
 *   the same.  verify_signature() -> public_key_verify_signature(): the
 *   key's and the signer's pkey_algo must be equal ("mldsa65" and "mldsa65",
 *   else -EKEYREJECTED); software_key_determine_akcipher() takes "raw" with
 *   "none" (or "sha512") for ML-DSA, "pkcs1(rsa,<digest>)" for RSA; then
 *   crypto_sig_verify(): pure ML-DSA with an empty context, which is what
 *   openssl pkeyutl -sign -rawin makes.  A failure there is -EKEYREJECTED.
 *
 * The ML-DSA path needs CONFIG_CRYPTO_MLDSA: without it adding the
 * certificate already fails (x509_check_for_self_signed() gets -ENOENT).
 */
int sl_pkcs7_wrap(const void *cert_der, size_t cert_len, const char *pkey_algo,
		  const char *digest_algo, const void *sig, size_t sig_len,
		  void *buf, size_t cap, size_t *len)
{
	struct der d = { .buf = buf, .cap = cap };
	struct der_tlv issuer, serial;
	struct sl_signer s = {
		.digest = sl_oid_find(sl_digests, digest_algo),
		.pkey = sl_oid_find(sl_pkeys, pkey_algo),
		.sig = sig,
		.sig_len = sig_len,
	};

	if (!s.digest || !s.pkey || !sig ||
	    sl_cert_issuer_serial(cert_der, cert_len, &issuer, &serial))
		return -EINVAL;
	s.issuer = issuer.tlv;
	s.issuer_len = issuer.tlv_len;
	s.serial = serial.tlv;
	s.serial_len = serial.tlv_len;
	der_signed_data(&d, s.digest, sl_wrap_emit, &s);
	return der_finish(&d, len);
}
