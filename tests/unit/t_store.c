/*
 * t_store: session files on disk.  The text format and its parser, atomic
 * writes with the configured mode, what a read refuses, the per-session
 * lock between processes, and clean-up that never evicts a live session.
 *
 * Everything happens in a fresh directory under $TMPDIR (or /tmp), removed
 * at the end.  Reads of broken files log a line on stderr: that is
 * expected.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"
#include "store.h"
#include "store-file.h"
#include "tap.h"

#define EXPIRES	1767225600	/* 2026-01-01 */
#define HEAD	"sessile 1\nexpires 1767225600\n"	/* read, not written */
#define HEAD2	"sessile 2\nexpires 1767225600\n"
#define CREATED	1764633600	/* 2025-12-02 */

/* Keys at and past SESSION_MAX_KEY. */
#define KEY64	\
	"k123456789012345678901234567890123456789012345678901234567890123"
#define KEY65	\
	"k1234567890123456789012345678901234567890123456789012345678901234"

static struct why why;		/* the cause of the last failure */

/* The why a store call fills, emptied first: a check of its cause sees
 * this call's, never one an earlier call left. */
static struct why *
fresh(void)
{
	why_clear(&why);
	return &why;
}
static char	 base[200];	/* the test's own directory */
static char	 sdir[256];	/* base/s: the session directory */

/* A store name: 64 lowercase hex digits, as the library makes them. */
static const char *
name_of(const char *what)
{
	static char	 names[4][STORE_NAME_LEN + 1];
	static int	 which;
	char		*n = names[which++ % 4];

	sha256_hex(what, strlen(what), n);
	return n;
}

/* Files are made and looked at relative to their directory. */
static int
put_file(const char *dir, const char *name, const void *p, size_t len)
{
	int	 dfd, fd, good;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
		return 0;
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	close(dfd);
	if (fd == -1)
		return 0;
	good = write(fd, p, len) == (ssize_t)len;
	return close(fd) == 0 && good;
}

static int
exists(const char *dir, const char *name)
{
	struct stat	 st;
	int		 dfd, rc;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
		return 0;
	rc = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW);
	close(dfd);
	return rc == 0;
}

static size_t
count_prefix(const char *dir, const char *prefix)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return (size_t)-1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static int
sdata_equal(const struct sdata *a, const struct sdata *b)
{
	size_t	 i;

	if (a->expires != b->expires || a->nents != b->nents)
		return 0;
	for (i = 0; i < a->nents; i++)
		if (a->ents[i].keylen != b->ents[i].keylen ||
		    a->ents[i].vallen != b->ents[i].vallen ||
		    memcmp(a->ents[i].key, b->ents[i].key,
		    a->ents[i].keylen) != 0 ||
		    memcmp(a->ents[i].val, b->ents[i].val,
		    a->ents[i].vallen) != 0)
			return 0;
	return 1;
}

/* Session data with every awkward value the format must carry. */
static unsigned char	 allbytes[256];
static struct entry	 awkward[] = {
	{ (char *)"username", 8, (char *)"alice", 5 },
	{ (char *)"all", 3, (char *)allbytes, 256 },
	/* '%' is the escape character: it must escape itself. */
	{ (char *)"pct", 3, (char *)"100% %41 %%", 11 },
	/* '=' ends a key, not a value. */
	{ (char *)"eq", 2, (char *)"a=b=c=", 6 },
	{ (char *)"spaces", 6, (char *)" two  spaces ", 13 },
	{ (char *)"empty", 5, (char *)"", 0 },
	/* A line break in a value must not end the line. */
	{ (char *)"lines", 5, (char *)"end\ndata x=y\r\n", 14 },
	{ (char *)"k!~#&", 5, (char *)"x", 1 },
};

static void
test_format(void)
{
	struct entry	 e = { (char *)"username", 8, (char *)"alice b%", 8 };
	struct sdata	 d, back;
	struct arena	 a;
	struct buf	 b;
	size_t		 i, lines;
	int		 clean;

	for (i = 0; i < 256; i++)
		allbytes[i] = (unsigned char)i;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));

	/* The documented format, byte for byte. */
	memset(&d, 0, sizeof(d));
	d.expires = EXPIRES;
	d.ents = &e;
	d.nents = 1;
	store_format(&b, &d);
	ok(b.p != NULL && strcmp(b.p, HEAD2 "data username=alice%20b%25\n"
	    "end\n") == 0, "store_format writes version 2: magic, expiry, "
	    "escaped data, end");
	buf_reset(&b);
	d.nents = 0;
	store_format(&b, &d);
	ok(b.p != NULL && strcmp(b.p, HEAD2 "end\n") == 0,
	    "store_format of an empty session");
	buf_reset(&b);
	d.created = CREATED;
	d.user = "Zo\xc3\xab 100%";
	d.userlen = strlen(d.user);
	d.ents = &e;
	d.nents = 1;
	store_format(&b, &d);
	ok(b.p != NULL && strcmp(b.p, HEAD2 "created 1764633600\n"
	    "user Zo%C3%AB%20100%25\n" "data username=alice%20b%25\n"
	    "end\n") == 0, "store_format writes the creation time and the "
	    "user, escaped, before the data");
	ok(store_parse(b.p, b.len, &a, &back) && back.created == CREATED &&
	    back.userlen == d.userlen &&
	    memcmp(back.user, d.user, d.userlen) == 0 && back.nents == 1,
	    "store_parse reads them back");
	d.created = 0;
	d.user = NULL;
	d.userlen = 0;

	/* Every byte value, '%', '=', blanks, empty values, line breaks. */
	buf_reset(&b);
	d.ents = awkward;
	d.nents = NELEM(awkward);
	store_format(&b, &d);
	clean = b.p != NULL;
	for (i = 0, lines = 0; clean && i < b.len; i++) {
		if (b.p[i] == '\n')
			lines++;
		else if ((unsigned char)b.p[i] < 0x20 ||
		    (unsigned char)b.p[i] > 0x7e)
			clean = 0;
	}
	ok(clean && lines == 2 + NELEM(awkward) + 1,
	    "store_format writes printable ASCII, one line per entry");
	ok(store_parse(b.p, b.len, &a, &back) && sdata_equal(&d, &back),
	    "store_parse gives back every entry, byte for byte");
	ok(back.nents > 0 && back.ents[1].val[256] == '\0',
	    "parsed values are also NUL-terminated");
	buf_free(&b);
	arena_free(&a);
}

/* What store_parse must refuse: anything not exactly version 1. */
static const struct corrupt_test {
	const char	*text;
	size_t		 len;
	const char	*why;
} corrupt_tests[] = {
	{ S(""), "an empty file" },
	{ S("sessile 3\nexpires 1767225600\nend\n"), "version 3" },
	{ S(HEAD "created 1764633600\nend\n"), "version 1 with created" },
	{ S(HEAD "user alice\nend\n"), "version 1 with a user" },
	{ S(HEAD2 "created 0\nend\n"), "created 0" },
	{ S(HEAD2 "created soon\nend\n"), "a non-digit created" },
	{ S(HEAD2 "created \nend\n"), "an empty created" },
	{ S(HEAD2 "user \nend\n"), "an empty user" },
	{ S(HEAD2 "user a b\nend\n"), "a raw blank in the user" },
	{ S(HEAD2 "user a%zz\nend\n"), "a bad %XX in the user" },
	{ S(HEAD2 "user a%09b\nend\n"), "a tab in the user" },
	{ S(HEAD2 "user a%0Ab\nend\n"), "a line break in the user" },
	{ S(HEAD2 "user alice\ncreated 1764633600\nend\n"),
	    "the user before created" },
	{ S(HEAD2 "user alice\nuser bob\nend\n"), "two users" },
	{ S(HEAD2 "created 1764633600\ncreated 1764633600\nend\n"),
	    "created twice" },
	{ S(HEAD2 "data a=1\nuser alice\nend\n"), "the user after data" },
	{ S("sessile 10\nexpires 1767225600\nend\n"), "version 10" },
	{ S("Sessile 1\nexpires 1767225600\nend\n"), "the magic in capitals" },
	{ S("flask 1\nexpires 1767225600\nend\n"), "another magic" },
	{ S("sessile 1\nend\n"), "no expiry" },
	{ S("sessile 1\nexpires abc\nend\n"), "a non-digit expiry" },
	{ S("sessile 1\nexpires -1\nend\n"), "a negative expiry" },
	{ S("sessile 1\nexpires \nend\n"), "an empty expiry" },
	{ S("sessile 1\nexpires 12 \nend\n"), "a blank after the expiry" },
	{ S("sessile 1\nexpires 0x10\nend\n"), "a hex expiry" },
	{ S("sessile 1\nexpires 1234567890123456789\nend\n"),
	    "an expiry of 19 digits" },
	{ S(HEAD), "no end" },
	{ S(HEAD "data a=1\n"), "data and no end" },
	{ S(HEAD "end"), "no newline after end" },
	{ S(HEAD "end\nx"), "text after end" },
	{ S(HEAD "end\n\n"), "a blank line after end" },
	{ S(HEAD "end\nend\n"), "two ends" },
	{ S("sessile 1\r\nexpires 1767225600\r\nend\r\n"), "CRLF lines" },
	{ S(HEAD "\nend\n"), "a blank line" },
	{ S(HEAD "dat a=1\nend\n"), "an unknown line" },
	{ S(HEAD "data a\nend\n"), "data without '='" },
	{ S(HEAD "data a=1\ndata a=2\nend\n"), "a duplicate key" },
	{ S(HEAD "data =1\nend\n"), "an empty key" },
	/* A key ends at its first '=': it cannot hold one, nor escape one. */
	{ S(HEAD "data a%3Db=1\nend\n"), "a key with '%' (an escaped '=')" },
	{ S(HEAD "data a b=1\nend\n"), "a key with a blank" },
	{ S(HEAD "data a\x7f=1\nend\n"), "a key with DEL" },
	{ S(HEAD "data " KEY65 "=1\nend\n"), "a key of 65 bytes" },
	{ S(HEAD "data a=%zz\nend\n"), "a bad %XX" },
	{ S(HEAD "data a=%4\nend\n"), "a '%' with one hex digit" },
	{ S(HEAD "data a=%\nend\n"), "a '%' at the end of a value" },
	{ S(HEAD "data a=%4G\nend\n"), "a '%' and a non-hex digit" },
	{ S(HEAD "data a=b c\nend\n"), "a raw blank in a value" },
	{ S(HEAD "data a=b\tc\nend\n"), "a raw tab in a value" },
	{ S(HEAD "data a=b\rc\nend\n"), "a raw CR in a value" },
	{ S(HEAD "data a=\xc3\xa9\nend\n"), "raw UTF-8 in a value" },
	{ S(HEAD "data a=x\0y\nend\n"), "a NUL in a value" },
	{ S("\x7f" "ELF\x02\x01\x01\0\0\0\0\0\xff\xfe\n"), "binary junk" },
	{ S("sessile 1\nexpires 1767225600\0\nend\n"), "a NUL in the head" },
};

static void
test_parse_corrupt(void)
{
	const struct corrupt_test	*t;
	struct sdata			 d;
	struct arena			 a;
	struct buf			 b;
	size_t				 i;
	char				 key[16];

	memset(&a, 0, sizeof(a));
	for (i = 0; i < NELEM(corrupt_tests); i++) {
		t = &corrupt_tests[i];
		ok(!store_parse(t->text, t->len, &a, &d),
		    "store_parse refuses %s", t->why);
	}

	/* The limits, at and past the edge. */
	ok(store_parse(S("sessile 1\nexpires 0\nend\n"), &a, &d) &&
	    d.expires == 0 && d.nents == 0, "store_parse accepts expiry 0");
	ok(store_parse(S(HEAD "data username=alice\nend\n"), &a, &d) &&
	    d.created == 0 && d.user == NULL && d.nents == 1,
	    "store_parse reads version 1: created unknown, no user");
	ok(store_parse(S(HEAD2 "user alice\nend\n"), &a, &d) &&
	    d.created == 0 && d.userlen == 5 && d.nents == 0,
	    "store_parse reads version 2 with a user and no creation time");
	memset(&b, 0, sizeof(b));
	buf_adds(&b, HEAD2 "user ");
	for (i = 0; i < SESSION_MAX_USER; i++)
		buf_addc(&b, 'u');
	buf_adds(&b, "\nend\n");
	ok(store_parse(b.p, b.len, &a, &d) && d.userlen == SESSION_MAX_USER,
	    "store_parse accepts a user of %d bytes", SESSION_MAX_USER);
	buf_reset(&b);
	buf_adds(&b, HEAD2 "user ");
	for (i = 0; i <= SESSION_MAX_USER; i++)
		buf_addc(&b, 'u');
	buf_adds(&b, "\nend\n");
	ok(!store_parse(b.p, b.len, &a, &d),
	    "store_parse refuses a user of %d bytes", SESSION_MAX_USER + 1);
	buf_free(&b);
	ok(store_parse(S(HEAD "data " KEY64 "=1\nend\n"), &a, &d) &&
	    d.nents == 1 && d.ents[0].keylen == 64,
	    "store_parse accepts a key of 64 bytes");
	memset(&b, 0, sizeof(b));
	buf_adds(&b, HEAD "data k=");
	for (i = 0; i < SESSION_MAX_DATA - 1; i++)
		buf_addc(&b, 'v');
	buf_adds(&b, "\nend\n");
	ok(store_parse(b.p, b.len, &a, &d) && d.nents == 1,
	    "store_parse accepts %d bytes of data", SESSION_MAX_DATA);
	buf_reset(&b);
	buf_adds(&b, HEAD "data k=");
	for (i = 0; i < SESSION_MAX_DATA; i++)
		buf_addc(&b, 'v');
	buf_adds(&b, "\nend\n");
	ok(!store_parse(b.p, b.len, &a, &d),
	    "store_parse refuses %d bytes of data", SESSION_MAX_DATA + 1);
	buf_reset(&b);
	buf_adds(&b, HEAD);
	for (i = 0; i < 1024; i++) {
		snprintf(key, sizeof(key), "data k%zu=\n", i);
		buf_adds(&b, key);
	}
	ok(!store_parse(b.p, b.len, &a, &d),
	    "store_parse refuses a file without end, however long");
	buf_adds(&b, "end\n");
	ok(store_parse(b.p, b.len, &a, &d) && d.nents == 1024,
	    "store_parse accepts 1024 entries");
	b.len -= 4;
	buf_adds(&b, "data k1024=\nend\n");
	ok(!store_parse(b.p, b.len, &a, &d), "store_parse refuses 1025 "
	    "entries");
	buf_free(&b);
	arena_free(&a);
}

/* Keys as sl_session_set takes them: 1 to 64 printable, no '=', '%'. */
static const struct key_test {
	const char	*k;
	size_t		 len;
	int		 valid;
	const char	*why;
} key_tests[] = {
	{ S("username"), 1, "a word" },
	{ S("_flash"), 1, "an underscore" },
	{ S("a!~#&"), 1, "punctuation" },
	{ S(KEY64), 1, "64 bytes" },
	{ S(""), 0, "empty" },
	{ S(KEY65), 0, "65 bytes" },
	/* The file format ends a key at '=' and escapes with '%'. */
	{ S("a=b"), 0, "an '='" },
	{ S("a%b"), 0, "a '%'" },
	{ S("a b"), 0, "a blank" },
	{ S("a\tb"), 0, "a tab" },
	{ S("a\nb"), 0, "a newline" },
	{ S("a\x7f"), 0, "DEL" },
	{ S("\xc3\xa9"), 0, "non-ASCII" },
	{ S("a\0"), 0, "a NUL" },
};

static void
test_key_valid(void)
{
	const struct key_test	*t;
	size_t			 i;

	for (i = 0; i < NELEM(key_tests); i++) {
		t = &key_tests[i];
		ok(store_key_valid(t->k, t->len) == t->valid,
		    "store_key_valid: %s is %s", t->why,
		    t->valid ? "valid" : "invalid");
	}
}

static void
test_read_write(void)
{
	struct store	*s;
	struct sdata	 d, back;
	struct arena	 a;
	struct stat	 st;
	struct entry	 e1 = { (char *)"v", 1, (char *)"one", 3 };
	struct entry	 e2 = { (char *)"v", 1, (char *)"two", 3 };
	char		 path[1024], big[STORE_MAX_FILE + 2], old[128];
	const char	*n;
	time_t		 now = time(NULL);
	mode_t		 um;
	ssize_t		 got;
	int		 found, fd;

	memset(&a, 0, sizeof(a));
	um = umask(022);
	s = store_file_new("t_store", sdir, 0600, 0);
	ok(fstore_open((struct fstore *)s, fresh()) == SL_OK &&
	    stat(sdir, &st) == 0 &&
	    S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700,
	    "fstore_open creates the directory 0700");
	umask(um);

	/* Write, then read back. */
	memset(&d, 0, sizeof(d));
	d.expires = now + 3600;
	d.ents = awkward;
	d.nents = NELEM(awkward);
	n = name_of("read-write");
	ok(store_write(s, n, &d, 0, fresh()) == SL_OK, "store_write");
	found = -1;
	ok(store_read(s, n, &a, &back, now, &found, fresh()) == SL_OK &&
	    found == STORE_LIVE &&
	    sdata_equal(&d, &back), "store_read gives back what was written");
	ok(count_prefix(sdir, ".tmp-") == 0,
	    "no temporary file remains after a write");

	found = -1;
	ok(store_read(s, name_of("never written"), &a, &back, now,
	    &found, fresh()) == SL_OK && found == STORE_NONE && back.nents == 0,
	    "store_read of a missing file: no session, no file");

	/* Expiry is inside the file and is checked on read. */
	d.expires = now - 1;
	store_write(s, n, &d, 0, fresh());
	found = -1;
	ok(store_read(s, n, &a, &back, now, &found, fresh()) == SL_OK &&
	    found == STORE_DEAD &&
	    back.nents == 0, "store_read of an expired file: a dead file");
	d.expires = now;
	store_write(s, n, &d, 0, fresh());
	found = -1;
	ok(store_read(s, n, &a, &back, now, &found, fresh()) == SL_OK &&
	    found == STORE_DEAD,
	    "store_read of a file expiring this second: a dead file");
	ok(store_read(s, n, &a, &back, now - 1, &found, fresh()) == SL_OK &&
	    found == STORE_LIVE, "the same file a second earlier: a session");

	/* Corrupt or foreign files are no session, and not an error: they
	 * are reported dead, so that logout can remove them. */
	n = name_of("corrupt");
	put_file(sdir, n, S("sessile 1\nexpires 99999999999\ngarbage\n"));
	found = -1;
	ok(store_read(s, n, &a, &back, now, &found, fresh()) == SL_OK &&
	    found == STORE_DEAD,
	    "store_read of a corrupt file: a dead file");

	/* A symbolic link to a good file is still refused (O_NOFOLLOW). */
	d.expires = now + 3600;
	store_write(s, name_of("target"), &d, 0, fresh());
	n = name_of("symlink");
	snprintf(path, sizeof(path), "%s/%s", sdir, n);
	found = -1;
	ok(symlink(name_of("target"), path) == 0 &&
	    store_read(s, n, &a, &back, now, &found, fresh()) == SL_OK &&
	    found == STORE_DEAD,
	    "store_read of a symbolic link to a live file: a dead file");

	n = name_of("big");
	memset(big, 'x', sizeof(big));
	memcpy(big, HEAD, sizeof(HEAD) - 1);
	put_file(sdir, n, big, STORE_MAX_FILE + 1);
	found = -1;
	ok(store_read(s, n, &a, &back, now, &found, fresh()) == SL_OK &&
	    found == STORE_DEAD,
	    "store_read of a file over %d bytes: a dead file", STORE_MAX_FILE);

	/*
	 * The size is checked before reading: a huge (sparse) file is
	 * refused, not read into memory, which would fail as "out of
	 * memory" (SL_EINTERNAL) or worse.
	 */
	n = name_of("huge");
	snprintf(path, sizeof(path), "%s/%s", sdir, n);
	found = -1;
	ok((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1 &&
	    (ftruncate(fd, (off_t)1 << 40) == 0 ||
	    ftruncate(fd, (off_t)1 << 34) == 0) && close(fd) == 0 &&
	    store_read(s, n, &a, &back, now, &found, fresh()) == SL_OK &&
	    found == STORE_DEAD,
	    "store_read of a huge sparse file: a dead file, nothing read");
	unlink(path);

	n = name_of("directory");
	snprintf(path, sizeof(path), "%s/%s", sdir, n);
	found = -1;
	ok(mkdir(path, 0700) == 0 &&
	    store_read(s, n, &a, &back, now, &found, fresh()) == SL_OK &&
	    found == STORE_DEAD,
	    "store_read of a directory: a dead file");

	/* A FIFO must not hang the reader (alarm() in main guards this). */
	n = name_of("fifo");
	snprintf(path, sizeof(path), "%s/%s", sdir, n);
	found = -1;
	ok(mkfifo(path, 0600) == 0 &&
	    store_read(s, n, &a, &back, now, &found, fresh()) == SL_OK &&
	    found == STORE_DEAD,
	    "store_read of a FIFO: a dead file, no hang");

	/*
	 * Atomic replacement: a reader that opened the old file keeps
	 * reading the old file, whole, while the new one takes its name.
	 */
	n = name_of("replace");
	memset(&d, 0, sizeof(d));
	d.expires = now + 3600;
	d.ents = &e1;
	d.nents = 1;
	store_write(s, n, &d, 0, fresh());
	snprintf(path, sizeof(path), "%s/%s", sdir, n);
	fd = open(path, O_RDONLY);
	d.ents = &e2;
	ok(store_write(s, n, &d, 0, fresh()) == SL_OK &&
	    store_read(s, n, &a, &back, now, &found, fresh()) == SL_OK &&
	    found == STORE_LIVE &&
	    back.nents == 1 && back.ents[0].vallen == 3 &&
	    memcmp(back.ents[0].val, "two", 3) == 0,
	    "a second write replaces the first");
	got = fd == -1 ? -1 : read(fd, old, sizeof(old) - 1);
	old[got < 0 ? 0 : got] = '\0';
	ok(fd != -1 && strstr(old, "data v=one\nend\n") != NULL,
	    "a reader of the old file still sees the old file, whole");
	if (fd != -1)
		close(fd);

	ok(store_remove(s, n, fresh()) == SL_OK && !exists(sdir, n),
	    "store_remove deletes the file");
	ok(store_remove(s, n, fresh()) == SL_OK,
	    "store_remove of a missing file is not an error");
	ok(count_prefix(sdir, ".tmp-") == 0,
	    "still no temporary file after all the writes");
	store_free(s);

	/* A directory that cannot be made is a store fault, named. */
	snprintf(path, sizeof(path), "%s/missing/sub", base);
	s = store_file_new("t_store", path, 0600, 0);
	ok(store_read(s, name_of("x"), &a, &back, now, &found, fresh()) ==
	    SL_ESTORE && strstr(why.cause, "missing/sub") != NULL,
	    "store_read in a directory that cannot be made: SL_ESTORE");
	ok(store_write(s, name_of("x"), &d, 0, fresh()) == SL_ESTORE,
	    "store_write there: SL_ESTORE");
	store_free(s);
	arena_free(&a);
}

/* The configured mode, whatever the umask. */
static const struct mode_test {
	mode_t	 umask;
	mode_t	 mode;
} mode_tests[] = {
	{ 0, 0600 },
	{ 077, 0600 },
	{ 0, 0640 },
	{ 027, 0640 },
	{ 077, 0640 },
	{ 077, 0660 },
	{ 0, 0620 },
};

static void
test_modes(void)
{
	const struct mode_test	*t;
	struct store		*s;
	struct sdata		 d;
	struct stat		 st;
	char			 path[1024], what[32];
	const char		*n;
	mode_t			 um;
	size_t			 i;

	memset(&d, 0, sizeof(d));
	d.expires = time(NULL) + 3600;
	for (i = 0; i < NELEM(mode_tests); i++) {
		t = &mode_tests[i];
		snprintf(what, sizeof(what), "mode %zu", i);
		n = name_of(what);
		snprintf(path, sizeof(path), "%s/%s", sdir, n);
		um = umask(t->umask);
		s = store_file_new("t_store", sdir, t->mode, 0);
		ok(store_write(s, n, &d, 0, fresh()) == SL_OK &&
		    stat(path, &st) == 0 &&
		    (st.st_mode & 07777) == t->mode,
		    "store_write with mode %04o under umask %03o: %04o",
		    (unsigned)t->mode, (unsigned)t->umask, (unsigned)t->mode);
		umask(um);
		store_free(s);
	}
}

/* The byte of ".lock" that stands for NAME: 31 bits of its hash. */
static off_t
stripe_of(const char *name)
{
	char	 hex[9];

	memcpy(hex, name, 8);
	hex[8] = '\0';
	return (off_t)(strtoul(hex, NULL, 16) & 0x7fffffffUL);
}

/* Who holds byte OFF of the lock file, seen from a fresh descriptor. */
static short
probe(off_t off)
{
	struct flock	 fl;
	char		 path[1024];
	int		 fd;

	snprintf(path, sizeof(path), "%s/.lock", sdir);
	if ((fd = open(path, O_RDWR)) == -1)
		return -1;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = off;
	fl.l_len = 1;
	if (fcntl(fd, F_OFD_GETLK, &fl) == -1)
		fl.l_type = -1;
	close(fd);
	return fl.l_type;
}

/*
 * A child process, with a store of its own as a FastCGI worker has,
 * says "S" on the pipe, takes the lock of NAME, and says "L".
 */
static pid_t
locker(const char *name, int *rd)
{
	struct store	*c;
	pid_t		 pid;
	int		 p[2];

	if (pipe(p) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(p[0]);
		alarm(20);
		c = store_file_new("child", sdir, 0600, 0);
		if (write(p[1], "S", 1) != 1 ||
		    store_begin(c, name, fresh()) != SL_OK)
			_exit(1);
		if (write(p[1], "L", 1) != 1)
			_exit(1);
		store_end(c);
		store_free(c);
		_exit(0);
	}
	close(p[1]);
	*rd = p[0];
	return pid;
}

/* 1 if the pipe says WHAT within MS milliseconds. */
static int
said(int fd, char what, int ms)
{
	struct pollfd	 pfd;
	char		 c;

	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) != 1)
		return 0;
	return read(fd, &c, 1) == 1 && c == what;
}

static int
reaped(pid_t pid)
{
	int	 st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void
test_lock(void)
{
	struct store	*s;
	const char	*x, *y;
	pid_t		 pid;
	int		 rd;

	x = name_of("lock x");
	y = name_of("lock y");
	if (stripe_of(x) == stripe_of(y))
		y = name_of("lock y, another");
	s = store_file_new("t_store", sdir, 0600, 0);

	ok(store_begin(s, x, fresh()) == SL_OK,
	    "store_begin takes the lock of X");
	ok(probe(stripe_of(x)) == F_WRLCK,
	    "the byte of X's stripe in .lock is write-locked");
	ok(probe(stripe_of(x) + 1) == F_UNLCK,
	    "the byte after it is not: one byte per stripe");

	/* Another process waits for X... */
	if ((pid = locker(x, &rd)) == -1) {
		ok(0, "fork");
		return;
	}
	ok(said(rd, 'S', 10000), "another process starts and asks for X");
	ok(!said(rd, 'L', 500), "and blocks while X is held");
	store_end(s);
	ok(said(rd, 'L', 10000), "and gets it once it is released");
	close(rd);
	ok(reaped(pid), "the child exits cleanly");
	ok(probe(stripe_of(x)) == F_UNLCK, "X is free again");

	/* ...but not for another session. */
	store_begin(s, x, fresh());
	if ((pid = locker(y, &rd)) == -1) {
		ok(0, "fork");
		return;
	}
	ok(said(rd, 'S', 10000) && said(rd, 'L', 10000),
	    "another process takes Y while X is held");
	close(rd);
	ok(reaped(pid), "the child exits cleanly");

	/* Taking the held lock again does not deadlock (alarm in main). */
	ok(store_begin(s, x, fresh()) == SL_OK && probe(stripe_of(x)) ==
	    F_WRLCK,
	    "store_begin of X twice in one process returns, X still held");
	store_end(s);
	ok(probe(stripe_of(x)) == F_UNLCK, "store_end releases X");
	store_end(s);
	ok(probe(stripe_of(x)) == F_UNLCK, "a second store_end is harmless");
	store_free(s);
}

/*
 * While one process rewrites a session over and over, another reading it
 * always finds it, whole: the old version or the new, never none and
 * never a mixture (rename(2) replaces the name in one step).
 */
#define REWRITES	2000

static int
uniform(const struct sdata *d)
{
	size_t	 i;

	if (d->nents != 1 || d->ents[0].vallen != 1000)
		return 0;
	for (i = 1; i < 1000; i++)
		if (d->ents[0].val[i] != d->ents[0].val[0])
			return 0;
	return d->ents[0].val[0] == 'A' || d->ents[0].val[0] == 'B';
}

static void
test_atomic(void)
{
	static char	 va[1000], vb[1000];
	struct entry	 e = { (char *)"v", 1, va, sizeof(va) };
	struct store	*s, *r;
	struct sdata	 d, back;
	struct arena	 a;
	struct pollfd	 pfd;
	const char	*n = name_of("rewritten");
	time_t		 now = time(NULL);
	pid_t		 pid;
	size_t		 i, reads, bad;
	int		 p[2], st, good = 1;

	memset(va, 'A', sizeof(va));
	memset(vb, 'B', sizeof(vb));
	memset(&d, 0, sizeof(d));
	d.expires = now + 3600;
	d.ents = &e;
	d.nents = 1;
	s = store_file_new("t_store", sdir, 0600, 0);
	if (store_write(s, n, &d, 0, fresh()) != SL_OK || pipe(p) == -1 ||
	    (pid = fork()) == -1) {
		ok(0, "set up the rewrite test");
		return;
	}
	if (pid == 0) {
		/* The reader: until the writer closes the pipe. */
		close(p[1]);
		alarm(60);
		r = store_file_new("reader", sdir, 0600, 0);
		pfd.fd = p[0];
		pfd.events = POLLIN;
		for (reads = bad = 0; poll(&pfd, 1, 0) == 0; reads++) {
			memset(&a, 0, sizeof(a));
			if (store_read(r, n, &a, &back, now, &st, fresh()) !=
			    SL_OK ||
			    st != 1 || !uniform(&back))
				bad++;
			arena_free(&a);
		}
		_exit(bad == 0 && reads > 0 ? 0 : 1);
	}
	close(p[0]);
	for (i = 0; i < REWRITES; i++) {
		e.val = i % 2 ? va : vb;
		good &= store_write(s, n, &d, 0, fresh()) == SL_OK;
	}
	close(p[1]);
	ok(good, "%d rewrites of one session", REWRITES);
	ok(reaped(pid), "a reader meanwhile always found it, whole");
	store_free(s);
}

static int
put_session(struct store *s, const char *name, time_t expires)
{
	struct sdata	 d;
	struct entry	 e = { (char *)"k", 1, (char *)"v", 1 };

	memset(&d, 0, sizeof(d));
	d.expires = expires;
	d.ents = &e;
	d.nents = 1;
	return store_write(s, name, &d, 0, fresh()) == SL_OK;
}

/* The expiry of NAME as store_read() finds it, or -1 when not live. */
static time_t
expiry_of(struct store *s, const char *name, time_t now)
{
	struct sdata	 d;
	struct arena	 a;
	time_t		 t = -1;
	int		 found;

	memset(&a, 0, sizeof(a));
	if (store_read(s, name, &a, &d, now, &found, fresh()) == SL_OK &&
	    found == STORE_LIVE && d.nents == 1 && d.ents[0].vallen == 1 &&
	    d.ents[0].val[0] == 'v')
		t = d.expires;
	arena_free(&a);
	return t;
}

/*
 * store_touch(), the sliding expiry: under store_begin(), a live
 * session's expiry moves forward and its data stays; an expiry is never
 * moved back; a session that is not there, or dead, is left so.
 */
static void
test_touch(void)
{
	struct store	*s;
	const char	*n = name_of("touched"), *none = name_of("untouched");
	time_t		 now = time(NULL);
	int		 found;

	s = store_file_new("t_store", sdir, 0600, 0);
	ok(put_session(s, n, now + 600) && store_begin(s, n, fresh()) == SL_OK,
	    "a session, and its read-modify-write begun");
	found = -1;
	ok(store_touch(s, n, now + 7200, now, &found, fresh()) == SL_OK &&
	    found == STORE_LIVE && expiry_of(s, n, now) == now + 7200,
	    "store_touch moves a live session's expiry forward, its data "
	    "kept");
	found = -1;
	ok(store_touch(s, n, now + 60, now, &found, fresh()) == SL_OK &&
	    found == STORE_LIVE && expiry_of(s, n, now) == now + 7200,
	    "store_touch never moves an expiry back");
	store_end(s);
	found = -1;
	ok(store_begin(s, none, fresh()) == SL_OK &&
	    store_touch(s, none, now + 7200, now, &found, fresh()) == SL_OK &&
	    found == STORE_NONE && !exists(sdir, none),
	    "store_touch of a session that is not there makes none");
	store_end(s);
	found = -1;
	ok(put_session(s, n, now - 1) && store_begin(s, n, fresh()) == SL_OK &&
	    store_touch(s, n, now + 7200, now, &found, fresh()) == SL_OK &&
	    found == STORE_DEAD && expiry_of(s, n, now - 2) == now - 1,
	    "store_touch of an expired session leaves it expired");
	store_end(s);
	store_free(s);
}

static int
set_mtime(const char *dir, const char *name, time_t t)
{
	struct timespec	 ts[2];
	int		 dfd, rc;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) == -1)
		return 0;
	ts[0].tv_sec = ts[1].tv_sec = t;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	rc = utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW);
	close(dfd);
	return rc == 0;
}

#define NLIVE	24
#define NDEAD	24

static void
test_gc(void)
{
	static const char	 junk[] = "sessile 1\nexpires 1\nend\n";
	struct store		*s;
	char			 gdir[256], what[32], upper[80];
	char			 tmpold[100], tmpfresh[100];
	char			 live[NLIVE][STORE_NAME_LEN + 1];
	char			 dead[NDEAD][STORE_NAME_LEN + 1];
	time_t			 now = time(NULL), exp;
	size_t			 i, n, total = 0, left, calls, most = 0;
	int			 all;

	snprintf(gdir, sizeof(gdir), "%s/g", base);
	s = store_file_new("t_store", gdir, 0600, 0);
	all = 1;
	for (i = 0; i < NLIVE; i++) {
		snprintf(what, sizeof(what), "live %zu", i);
		memcpy(live[i], name_of(what), STORE_NAME_LEN + 1);
		/* Some only just alive. */
		exp = i % 4 == 0 ? now + 1 : now + 3600;
		all &= put_session(s, live[i], exp);
	}
	for (i = 0; i < NDEAD; i++) {
		snprintf(what, sizeof(what), "dead %zu", i);
		memcpy(dead[i], name_of(what), STORE_NAME_LEN + 1);
		/* Expiring this second is expired, as store_read sees it. */
		exp = i % 4 == 0 ? now : i % 4 == 1 ? 0 : now - 3600;
		all &= put_session(s, dead[i], exp);
	}
	/* A crashed writer's leftovers, old and fresh, named as
	 * store_write() names them. */
	snprintf(tmpold, sizeof(tmpold), ".tmp-%s-0011223344556677", dead[0]);
	snprintf(tmpfresh, sizeof(tmpfresh), ".tmp-%s-8899aabbccddeeff",
	    live[0]);
	all &= put_file(gdir, tmpold, S("x")) &&
	    set_mtime(gdir, tmpold, now - 7200);
	all &= put_file(gdir, tmpfresh, S("x")) &&
	    set_mtime(gdir, tmpfresh, now - 60);
	/* Expired content under names that are not session names. */
	for (i = 0; i < 64; i++)
		upper[i] = "0123456789ABCDEF"[i % 16];
	upper[64] = '\0';
	all &= put_file(gdir, upper, S(junk));
	all &= put_file(gdir, "README", S(junk));
	memcpy(what, dead[0], 31);
	what[31] = '\0';
	all &= put_file(gdir, what, S(junk));
	ok(all, "%d live and %d expired sessions, and other files", NLIVE,
	    NDEAD);

	/* Each call looks at the next names, from where the last stopped. */
	for (calls = 0; calls < 2000; calls++) {
		total += store_gc(s, now, 1000);
		for (i = 0, left = 0; i < NDEAD; i++)
			left += exists(gdir, dead[i]);
		if (left == 0)
			break;
	}
	ok(left == 0, "store_gc removed every expired session (%zu calls)",
	    calls + 1);
	for (i = 0, n = 0; i < NLIVE; i++)
		n += exists(gdir, live[i]);
	ok(n == NLIVE, "store_gc removed no live session (%zu of %d left)", n,
	    NLIVE);
	ok(total == NDEAD + 1, "store_gc counted what it removed (%zu)",
	    total);
	ok(!exists(gdir, tmpold),
	    "store_gc removed a temporary file two hours old");
	ok(exists(gdir, tmpfresh),
	    "store_gc kept a temporary file a minute old");
	ok(exists(gdir, upper) && exists(gdir, "README") &&
	    exists(gdir, what),
	    "store_gc kept files that are not named like sessions");

	/* More calls find nothing more to do. */
	for (i = 0, n = 0; i < 200; i++)
		n += store_gc(s, now, 1000);
	for (i = 0, left = 0; i < NLIVE; i++)
		left += exists(gdir, live[i]);
	ok(n == 0 && left == NLIVE, "200 more calls remove nothing");

	/* MAX bounds each call: deletions come in small batches. */
	all = 1;
	for (i = 0; i < NDEAD; i++)
		all &= put_session(s, dead[i], now - 3600);
	for (calls = 0; calls < 4000; calls++) {
		n = store_gc(s, now, 1);
		if (n > most)
			most = n;
		for (i = 0, left = 0; i < NDEAD; i++)
			left += exists(gdir, dead[i]);
		if (left == 0)
			break;
	}
	ok(all && most == 1 && left == 0, "store_gc with max 1 removes at "
	    "most one file a call, and in the end all of them");
	for (i = 0, n = 0; i < NLIVE; i++)
		n += exists(gdir, live[i]);
	ok(n == NLIVE, "and still no live session");
	store_free(s);
}

/*
 * store_sweep(): one pass over the whole directory.  Each row is one name
 * in the directory, what is there, and what the sweep must do with it.
 */
#define TMPHEX	".tmp-0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

enum	kind {
	K_SESSION,	/* a well-formed session expiring at NOW + REL */
	K_TEXT,		/* a file holding TEXT */
	K_LINK,		/* a symbolic link to an expired session elsewhere */
	K_DIR		/* a directory */
};

enum	fate {
	F_LIVE,		/* kept, counted as a live session */
	F_REMOVED,	/* removed, counted as an expired session */
	F_CORRUPT,	/* kept, counted as corrupt */
	F_TMP,		/* removed, counted as a temporary file */
	F_OTHER		/* kept, not counted */
};

static const struct sweep_test {
	const char	*what;
	const char	*name;	/* NULL: a session name made from WHAT */
	enum kind	 kind;
	long		 rel;	/* K_SESSION: expiry; K_TEXT: age, seconds */
	const char	*text;
	enum fate	 fate;
} sweeps[] = {
	{ "a session live for an hour", NULL, K_SESSION, 3600, NULL, F_LIVE },
	{ "a session live one more second", NULL, K_SESSION, 1, NULL,
	    F_LIVE },
	{ "a session expiring this second", NULL, K_SESSION, 0, NULL,
	    F_REMOVED },
	{ "a session expired an hour ago", NULL, K_SESSION, -3600, NULL,
	    F_REMOVED },
	{ "expiry 0", NULL, K_TEXT, 0, "sessile 1\nexpires 0\nend\n",
	    F_REMOVED },
	{ "an expired head on a corrupt body", NULL, K_TEXT, 0,
	    "sessile 1\nexpires 1\ndata\n", F_REMOVED },
	{ "another version", NULL, K_TEXT, 0, "sessile 3\nexpires 1\nend\n",
	    F_CORRUPT },
	{ "an empty file", NULL, K_TEXT, 0, "", F_CORRUPT },
	{ "no magic", NULL, K_TEXT, 0, "expires 1\nend\n", F_CORRUPT },
	{ "an expiry without its newline", NULL, K_TEXT, 0,
	    "sessile 1\nexpires 1", F_CORRUPT },
	{ "a negative expiry", NULL, K_TEXT, 0, "sessile 1\nexpires -1\n",
	    F_CORRUPT },
	{ "an expiry of 19 digits", NULL, K_TEXT, 0,
	    "sessile 1\nexpires 1000000000000000000\n", F_CORRUPT },
	{ "a symbolic link", NULL, K_LINK, 0, NULL, F_CORRUPT },
	{ "a directory", NULL, K_DIR, 0, NULL, F_CORRUPT },
	{ "a temporary file two hours old", TMPHEX "-0011223344556677",
	    K_TEXT, 7200, "x", F_TMP },
	{ "a temporary file an hour and a second old",
	    TMPHEX "-1111223344556677", K_TEXT, 3601, "x", F_TMP },
	{ "a temporary file an hour old", TMPHEX "-2211223344556677",
	    K_TEXT, 3600, "x", F_OTHER },
	{ "a temporary file a minute old", TMPHEX "-3311223344556677",
	    K_TEXT, 60, "x", F_OTHER },
	{ "a temporary name without its nonce", TMPHEX, K_TEXT, 7200, "x",
	    F_OTHER },
	{ "a temporary name with a short nonce", TMPHEX "-00112233",
	    K_TEXT, 7200, "x", F_OTHER },
	{ "a temporary name with something after", TMPHEX
	    "-0011223344556677.x", K_TEXT, 7200, "x", F_OTHER },
	{ "another temporary name", ".tmp-old", K_TEXT, 7200, "x", F_OTHER },
	{ "a temporary name on a directory", TMPHEX "-4411223344556677",
	    K_DIR, 7200, NULL, F_OTHER },
	{ "uppercase hex", "0123456789ABCDEF0123456789ABCDEF"
	    "0123456789ABCDEF0123456789ABCDEF", K_TEXT, 0,
	    "sessile 1\nexpires 1\nend\n", F_OTHER },
	{ "63 hex digits", "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcde", K_TEXT, 0,
	    "sessile 1\nexpires 1\nend\n", F_OTHER },
	{ "65 hex digits", "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0", K_TEXT, 0,
	    "sessile 1\nexpires 1\nend\n", F_OTHER },
	{ "README", "README", K_TEXT, 0, "sessile 1\nexpires 1\nend\n",
	    F_OTHER },
};

static const char *
sweep_name(const struct sweep_test *t)
{
	return t->name != NULL ? t->name : name_of(t->what);
}

static int
sweep_put(const char *dir, const struct sweep_test *t, time_t now)
{
	char		 path[1024], text[64];
	const char	*n = sweep_name(t);
	int		 len;

	snprintf(path, sizeof(path), "%s/%s", dir, n);
	switch (t->kind) {
	case K_SESSION:
		len = snprintf(text, sizeof(text),
		    "sessile 1\nexpires %lld\nend\n",
		    (long long)now + t->rel);
		return put_file(dir, n, text, (size_t)len);
	case K_TEXT:
		return put_file(dir, n, t->text, strlen(t->text)) &&
		    set_mtime(dir, n, now - t->rel);
	case K_LINK:
		return symlink("../expired-elsewhere", path) == 0;
	case K_DIR:
		return mkdir(path, 0700) == 0 && set_mtime(dir, n, now - t->rel);
	}
	return 0;
}

static void
test_sweep(void)
{
	static const char	 dead[] = "sessile 1\nexpires 1\nend\n";
	const struct sweep_test	*t;
	struct store		*s;
	struct sweep		 sw, want;
	struct stat		 st;
	char			 wdir[256], path[512];
	time_t			 now = time(NULL);
	size_t			 i;
	int			 all = 1, kept;

	snprintf(wdir, sizeof(wdir), "%s/w", base);
	all &= mkdir(wdir, 0700) == 0 &&
	    put_file(base, "expired-elsewhere", S(dead));
	memset(&want, 0, sizeof(want));
	for (i = 0; i < NELEM(sweeps); i++) {
		t = &sweeps[i];
		all &= sweep_put(wdir, t, now);
		want.files += t->fate == F_LIVE || t->fate == F_REMOVED ||
		    t->fate == F_CORRUPT;
		want.removed += t->fate == F_REMOVED;
		want.corrupt += t->fate == F_CORRUPT;
		want.tmp += t->fate == F_TMP;
	}
	ok(all, "a directory with %zu kinds of names", NELEM(sweeps));

	/* A fresh store, as the command has: batches of 2, no pause. */
	s = store_file_new("t_store", wdir, 0600, 0);
	ok(store_sweep(s, now, 2, 0, &sw, fresh()) == SL_OK,
	    "store_sweep succeeds");
	for (i = 0; i < NELEM(sweeps); i++) {
		t = &sweeps[i];
		kept = exists(wdir, sweep_name(t));
		ok(kept == (t->fate != F_REMOVED && t->fate != F_TMP),
		    "store_sweep: %s: %s", t->what, kept ? "kept" : "removed");
	}
	ok(exists(base, "expired-elsewhere"),
	    "store_sweep did not follow the symbolic link");
	ok(sw.files == want.files && sw.removed == want.removed &&
	    sw.corrupt == want.corrupt && sw.tmp == want.tmp,
	    "store_sweep counts %zu files, %zu removed, %zu corrupt, "
	    "%zu temporary (want %zu, %zu, %zu, %zu)", sw.files, sw.removed,
	    sw.corrupt, sw.tmp, want.files, want.removed, want.corrupt,
	    want.tmp);
	ok(store_sweep(s, now, 2, 0, &sw, fresh()) == SL_OK && sw.removed ==
	    0 &&
	    sw.tmp == 0 && sw.files == want.files - want.removed,
	    "a second sweep finds nothing more to remove");
	store_free(s);

	/* The directory must be there, a directory, not a link to one. */
	snprintf(path, sizeof(path), "%s/missing", base);
	s = store_file_new("t_store", path, 0600, 0);
	ok(store_sweep(s, now, 2, 0, &sw, fresh()) == SL_ESTORE &&
	    strstr(why.cause, path) != NULL && stat(path, &st) == -1,
	    "store_sweep of a missing directory fails, names it, and does "
	    "not make it: %s", why.cause);
	store_free(s);
	snprintf(path, sizeof(path), "%s/link", base);
	s = store_file_new("t_store", path, 0600, 0);
	ok(symlink("w", path) == 0 && store_sweep(s, now, 2, 0, &sw, fresh()) ==
	    SL_ESTORE && strstr(why.cause, "symbolic link") != NULL,
	    "store_sweep of a symbolic link to a directory fails: %s", why.cause);
	store_free(s);
	snprintf(path, sizeof(path), "%s/expired-elsewhere", base);
	s = store_file_new("t_store", path, 0600, 0);
	ok(store_sweep(s, now, 2, 0, &sw, fresh()) == SL_ESTORE &&
	    strstr(why.cause, "not a directory") != NULL,
	    "store_sweep of a file fails: %s", why.cause);
	store_free(s);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
rm_tree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0;
}

/*
 * What an existing directory must be for the programs (fstore_open()) and
 * for sessile-gc (store_sweep()) alike: this user's, writable by nobody
 * else, not a symbolic link.  WHY is what the refusal says; NULL: used.
 */
enum	dirkind {
	D_MODE,		/* a directory of mode MODE */
	D_OTHER_UID,	/* a directory 0700 of uid 12345 (needs root) */
	D_LINK,		/* a symbolic link to a good directory */
	D_FILE		/* a regular file */
};

static const struct dir_test {
	const char	*what;
	enum dirkind	 kind;
	mode_t		 mode;
	const char	*why;
} dir_tests[] = {
	{ "mode 0700", D_MODE, 0700, NULL },
	{ "mode 0750", D_MODE, 0750, NULL },
	{ "mode 0755", D_MODE, 0755, NULL },
	{ "mode 0711", D_MODE, 0711, NULL },
	{ "mode 0770", D_MODE, 0770,
	    "is writable by its group or by others (mode 0770)" },
	{ "mode 0707", D_MODE, 0707,
	    "is writable by its group or by others (mode 0707)" },
	{ "mode 0720", D_MODE, 0720,
	    "is writable by its group or by others (mode 0720)" },
	{ "mode 0702", D_MODE, 0702,
	    "is writable by its group or by others (mode 0702)" },
	{ "mode 1777 (sticky, as /tmp)", D_MODE, 01777,
	    "is writable by its group or by others (mode 1777)" },
	{ "uid 12345", D_OTHER_UID, 0700, "is owned by uid 12345, not by "
	    "this user (uid 0)" },
	{ "a symbolic link to a good directory", D_LINK, 0700,
	    "is a symbolic link" },
	{ "a regular file", D_FILE, 0600, "is not a directory" },
};

static int
dir_put(const char *path, const struct dir_test *t)
{
	char	 target[600];

	switch (t->kind) {
	case D_MODE:
		return mkdir(path, 0700) == 0 && chmod(path, t->mode) == 0;
	case D_OTHER_UID:
		return mkdir(path, 0700) == 0 && chown(path, 12345, -1) == 0;
	case D_LINK:
		snprintf(target, sizeof(target), "%s.target", path);
		return mkdir(target, 0700) == 0 && symlink(target, path) == 0;
	case D_FILE:
		return put_file(base, path + strlen(base) + 1, S("x"));
	}
	return 0;
}

/* The verdict of CALL is T's: used, or SL_ESTORE saying exactly why. */
static int
dir_verdict(const struct dir_test *t, enum sl_err e, const char *path)
{
	char	 want[1024];

	if (t->why == NULL)
		return e == SL_OK;
	snprintf(want, sizeof(want), "session store: %s %s", path, t->why);
	return e == SL_ESTORE && strcmp(why.cause, want) == 0;
}

static void
test_dir_checks(void)
{
	const struct dir_test	*t;
	struct store		*s;
	struct sweep		 sw;
	struct sdata		 d;
	char			 path[300], target[320];
	const char		*where;
	size_t			 i;
	enum sl_err		 e;

	memset(&d, 0, sizeof(d));
	d.expires = time(NULL) + 3600;
	for (i = 0; i < NELEM(dir_tests); i++) {
		t = &dir_tests[i];
		if (t->kind == D_OTHER_UID && geteuid() != 0) {
			ok(1, "# SKIP a directory of %s: chown needs root",
			    t->what);
			ok(1, "# SKIP and for sessile-gc");
			continue;
		}
		snprintf(path, sizeof(path), "%s/dir%zu", base, i);
		snprintf(target, sizeof(target), "%s.target", path);
		if (!ok(dir_put(path, t), "a session directory: %s", t->what))
			continue;
		s = store_file_new("t_store", path, 0600, 0);
		e = store_write(s, name_of("dir check"), &d, 0, fresh());
		ok(dir_verdict(t, e, path), "the programs: %s: %s", t->what,
		    e == SL_OK ? "used" : why.cause);
		where = t->kind == D_LINK ? target : path;
		if (t->why != NULL && t->kind != D_FILE)
			ok(!exists(where, ".lock") &&
			    count_prefix(where, ".tmp-") == 0 &&
			    !exists(where, name_of("dir check")),
			    "and nothing was written there");
		store_free(s);
		s = store_file_new("t_store", path, 0600, 0);
		e = store_sweep(s, time(NULL), 2, 0, &sw, fresh());
		ok(dir_verdict(t, e, path), "sessile-gc: %s: %s", t->what,
		    e == SL_OK ? "used" : why.cause);
		store_free(s);
	}
}

/*
 * A FastCGI worker keeps the directory open between requests.  When it is
 * replaced, the next request (recheck set, as the request's start does)
 * uses the new one: its sessions, its ".lock", its listing for clean-up.
 * (On ext4 a directory made again where one was removed gets the old
 * one's inode number, unless the old one is still open, as here.)
 */
enum	replace {
	RP_REMAKE,	/* removed with its files, made again 0700 */
	RP_MOVE,	/* moved aside: nothing at the path */
	RP_MOVE_REMAKE,	/* moved aside, a new one made */
};

static const struct follow_test {
	const char	*what;
	enum replace	 how;
} follow_tests[] = {
	{ "removed and made again", RP_REMAKE },
	{ "moved aside", RP_MOVE },
	{ "moved aside and made again", RP_MOVE_REMAKE },
};

static int
replace_dir(const char *path, const char *aside, enum replace how)
{
	switch (how) {
	case RP_REMAKE:
		return rm_tree(path) && mkdir(path, 0700) == 0;
	case RP_MOVE:
		return rename(path, aside) == 0;
	case RP_MOVE_REMAKE:
		return rename(path, aside) == 0 && mkdir(path, 0700) == 0;
	}
	return 0;
}

static void
test_follow(void)
{
	static const char	 dead[] = "sessile 1\nexpires 1\nend\n";
	const struct follow_test *t;
	struct store		*s;
	struct sdata		 back;
	struct arena		 a;
	struct stat		 st;
	char			 path[512], aside[560];
	const char		*one, *two, *old;
	time_t			 now = time(NULL);
	size_t			 i;
	int			 found;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < NELEM(follow_tests); i++) {
		t = &follow_tests[i];
		snprintf(path, sizeof(path), "%s/follow%zu", base, i);
		snprintf(aside, sizeof(aside), "%s.old", path);
		one = name_of("before the change");
		two = name_of("after the change");
		old = name_of("expired, after the change");

		/* A request: a session, its lock, a clean-up pass. */
		s = store_file_new("t_store", path, 0600, 0);
		store_request(s);
		ok(put_session(s, one, now + 3600) &&
		    store_begin(s, one, fresh()) == SL_OK && exists(path,
		    ".lock"),
		    "%s: a session is written", t->what);
		store_end(s);
		store_gc(s, now, 1);

		ok(replace_dir(path, aside, t->how), "%s: done", t->what);
		/* Later in the same request: no second look. */
		if (t->how != RP_REMAKE)
			ok(put_session(s, two, now + 3600) &&
			    exists(aside, two) && !exists(path, two) &&
			    store_remove(s, two, fresh()) == SL_OK,
			    "%s: the same request still uses the old one",
			    t->what);

		/* The next request. */
		store_request(s);
		ok(put_session(s, two, now + 3600) && exists(path, two) &&
		    !exists(aside, two),
		    "%s: the next request writes into the new directory",
		    t->what);
		ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0700,
		    "%s: which is a directory 0700", t->what);
		found = -1;
		ok(store_read(s, two, &a, &back, now, &found, fresh()) ==
		    SL_OK &&
		    found == STORE_LIVE, "%s: and reads from it", t->what);
		found = -1;
		ok(store_read(s, one, &a, &back, now, &found, fresh()) ==
		    SL_OK &&
		    found == STORE_NONE,
		    "%s: the session of the old one is not there", t->what);
		ok(store_begin(s, two, fresh()) == SL_OK && exists(path,
		    ".lock"),
		    "%s: its lock is taken in the new directory", t->what);
		store_end(s);
		ok(put_file(path, old, S(dead)) && store_gc(s, now, 8) == 1 &&
		    !exists(path, old) && exists(path, two),
		    "%s: clean-up lists the new directory", t->what);
		store_free(s);
	}
	arena_free(&a);
}

int
main(void)
{
	const char	*tmp;
	struct why	 w;

	/* A hung lock or read fails the test instead of hanging it. */
	alarm(120);
	if (crypto_init(&w) != SL_OK) {
		ok(0, "crypto_init: %s", w.cause);
		return done();
	}
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(base, sizeof(base), "%s/t_store.XXXXXX", tmp);
	if (mkdtemp(base) == NULL) {
		ok(0, "mkdtemp in %s", tmp);
		return done();
	}
	snprintf(sdir, sizeof(sdir), "%s/s", base);

	test_format();
	test_parse_corrupt();
	test_key_valid();
	test_read_write();
	test_modes();
	test_lock();
	test_atomic();
	test_touch();
	test_gc();
	test_sweep();
	test_dir_checks();
	test_follow();

	ok(rm_tree(base), "the test directory is removed");
	return done();
}
