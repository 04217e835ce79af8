/*
 * The control protocol decoders: the input is what a client sent (every
 * request in it, decoded one after the other as the server does) and what
 * a server answered (a reply header, then its body). A request decoded
 * must encode back to the very bytes it came from; a header too.
 */
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "fuzz.h"

/* A request decoded from line (n bytes with its newline) encodes back. */
static void check_request(const struct ctl_request *req, const char *line,
			  size_t n)
{
	char *words[CTL_ARGS_MAX + 1], *out = malloc(CTL_REQUEST_MAX + 1);
	struct ctl_log_args la;
	size_t i;
	int len;

	if (out == NULL)
		abort();
	FUZZ_CHECK(req->nargs + 1 <= CTL_ARGS_MAX);
	words[0] = (char *)ctl_cmd_name(req->cmd);
	FUZZ_CHECK(words[0] != NULL);
	for (i = 0; i < req->nargs; i++)
		words[i + 1] = req->args[i];
	len = ctl_encode_request(words, req->nargs + 1, out,
				 CTL_REQUEST_MAX + 1);
	FUZZ_CHECK(len > 0 && (size_t)len == n && memcmp(out, line, n) == 0);
	if (req->cmd == CTL_LOG) {
		FUZZ_CHECK(ctl_log_args(req, &la) == 0);
		FUZZ_CHECK(la.lines <= CTL_LOG_LINES_MAX);
		FUZZ_CHECK(la.follow == (req->nargs == 3));
	} else {
		FUZZ_CHECK(ctl_log_args(req, &la) < 0);
	}
	free(out);
}

/* Every request in buf, as the server reads them. */
static void requests(const char *buf, size_t len)
{
	struct ctl_request req;
	enum ctl_status st;
	enum ctl_decode d;
	size_t used, off = 0;
	char err[256];

	while (off < len) {
		err[0] = '\0';
		d = ctl_decode_request(buf + off, len - off, &req, &used, &st,
				       err, sizeof(err));
		if (d == CTL_DECODE_MORE) {
			FUZZ_CHECK(memchr(buf + off, '\n', len - off) == NULL);
			FUZZ_CHECK(len - off < CTL_REQUEST_MAX);
			break;
		}
		if (d == CTL_DECODE_ERROR) {
			FUZZ_CHECK(st != CTL_OK && ctl_status_name(st) != NULL);
			FUZZ_CHECK(err[0] != '\0');
			FUZZ_CHECK(req.args == NULL && req.buf == NULL);
			break; /* the server answers and closes */
		}
		FUZZ_CHECK(d == CTL_DECODE_OK && st == CTL_OK);
		FUZZ_CHECK(used > 0 && used <= len - off &&
			   used <= CTL_REQUEST_MAX);
		FUZZ_CHECK(buf[off + used - 1] == '\n');
		check_request(&req, buf + off, used);
		ctl_request_free(&req);
		off += used;
	}
}

/* A reply: header, body, and maybe another reply after it. */
static void replies(const char *buf, size_t len)
{
	enum ctl_status st;
	size_t body, used, off = 0;
	char hdr[64];
	int n;

	while (off < len) {
		if (ctl_decode_header(buf + off, len - off, &st, &body,
				      &used) != CTL_DECODE_OK)
			break;
		FUZZ_CHECK(used > 0 && used <= 64 && used <= len - off);
		if (body == SIZE_MAX) {
			FUZZ_CHECK(st == CTL_OK);
			n = ctl_encode_stream_header(hdr, sizeof(hdr));
		} else {
			FUZZ_CHECK(body <= CTL_BODY_MAX);
			n = ctl_encode_header(st, body, hdr, sizeof(hdr));
		}
		/* Leading zeros in the length are read, not written. */
		FUZZ_CHECK(n > 0 && (size_t)n <= used);
		if ((size_t)n == used)
			FUZZ_CHECK(memcmp(hdr, buf + off, used) == 0);
		off += used;
		if (body == SIZE_MAX || body > len - off)
			break;
		off += body;
	}
}

/*
 * The bytes as the inside of a JSON string (RFC 8259): escapes that JSON
 * knows, no raw quote, backslash or control byte, valid UTF-8.
 */
static void escape(const char *buf, size_t len)
{
	const unsigned char *s;
	struct jbuf b;
	size_t i, k;

	jb_init(&b);
	jb_escape(&b, buf, len);
	FUZZ_CHECK(!b.oom);
	s = (const unsigned char *)b.s;
	for (i = 0; i < b.len; i += k) {
		k = 1;
		if (s[i] == '\\') {
			FUZZ_CHECK(i + 1 < b.len && s[i + 1] != '\0' &&
				   strchr("\"\\/bfnrtu", s[i + 1]) != NULL);
			if (s[i + 1] == 'u') {
				FUZZ_CHECK(i + 5 < b.len);
				for (k = 2; k < 6; k++)
					FUZZ_CHECK(
						s[i + k] != '\0' &&
						strchr("0123456789abcdefABCDEF",
						       s[i + k]) != NULL);
			} else {
				k = 2;
			}
			continue;
		}
		FUZZ_CHECK(s[i] >= 0x20 && s[i] != 0x7f && s[i] != '"');
		k = fuzz_utf8_char(s + i, b.len - i);
		FUZZ_CHECK(k > 0);
	}
	jb_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact copy: ASan catches a read past the end of what came. */
	char *buf = calloc(size ? size : 1, 1);

	if (buf == NULL)
		abort();
	if (size > 0)
		memcpy(buf, data, size);
	requests(buf, size);
	replies(buf, size);
	escape(buf, size);
	free(buf);
	return 0;
}
