/*
 * message.c - the message buffer the config layer builds its error texts
 * in (msgbuf, config_internal.h): printf-style pieces appended in turn,
 * and quoted values. The bottom of the layer: it calls nothing else of it.
 */
#include "config_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sim__mb_add(msgbuf *mb, const char *fmt, ...)
{
	if (mb->len >= sizeof mb->text - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(mb->text + mb->len, sizeof mb->text - mb->len, fmt,
			  ap);
	va_end(ap);
	if (n > 0)
		mb->len += (size_t)n;
	if (mb->len > sizeof mb->text - 1)
		mb->len = sizeof mb->text - 1;
}

void sim__mb_quote(msgbuf *mb, const char *s)
{
	sim__mb_quote_n(mb, s, strlen(s));
}

void sim__mb_quote_n(msgbuf *mb, const char *s, size_t len)
{
	enum { SHOW = 60 };
	size_t i;
	sim__mb_add(mb, "\"");
	for (i = 0; i < len && i < SHOW; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			sim__mb_add(mb, "\\%c", c);
		else if (c == '\n')
			sim__mb_add(mb, "\\n");
		else if (c == '\t')
			sim__mb_add(mb, "\\t");
		else if (c < 0x20 || c == 0x7f)
			sim__mb_add(mb, "\\x%02x", c);
		else
			sim__mb_add(mb, "%c", c);
	}
	sim__mb_add(mb, "%s\"", i < len ? "..." : "");
}
