/*
 * check_config.c - the configuration file: broken files and the exact
 * FILE:LINE of their messages, the defaults, the shipped example,
 * relative paths, @include and the outbound rules.
 */
#include <sys/stat.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "resolve.h"
#include "tcheck.h"

static const struct {
	const char	*text;
	int		 line;		/* 0: "FILE: message" */
	const char	*msg;		/* what follows "FILE:LINE: " */
} bad_rows[] = {
	/* syntax */
	{ "max_hops = 8;\nuser = ;\n", 2, "syntax error" },
	{ "domains = (\n  { name = \"a.com\"; authority = ; }\n);\n", 2,
	    "syntax error" },
	{ "max_hops = 8;\nmax_hops = 9;\n", 2, "duplicate setting name" },
	/* unknown keys, at every level */
	{ "max_hops = 8;\nfoo = 1;\n", 2, "unknown key 'foo'" },
	{ "directory = {\n  ldap = {\n    uri = [ \"ldap://x/\" ];\n"
	    "    foo = \"bar\";\n  };\n};\n", 4,
	    "unknown key 'foo' in directory.ldap" },
	{ "directory = {\n  bogus = 1;\n};\n", 2,
	    "unknown key 'bogus' in directory" },
	{ "directory = { ldif = { file = \"x\"; }; };\n", 1,
	    "unknown key 'file' in directory.ldif" },
	{ "directory = {\n cache = {\n  size = 5;\n };\n};\n", 3,
	    "unknown key 'size' in directory.cache" },
	{ "domains = (\n { name = \"a.com\"; authority = \"authoritative\";\n"
	    "   autority = \"x\"; }\n);\n", 3,
	    "unknown key 'autority' in a domains entry" },
	{ "outbound = {\n  client = [ ];\n};\n", 2,
	    "unknown key 'client' in outbound" },
	{ "outbound = {\n  rules = (\n    { from = \"a.com\"; to = \"b.com\";\n"
	    "      too = \"c.com\"; } );\n};\n", 4,
	    "unknown key 'too' in an outbound.rules entry" },
	/* wrong types */
	{ "max_hops = \"8\";\n", 1, "'max_hops' must be an integer" },
	{ "\nmax_hops = 8.0;\n", 2, "'max_hops' must be an integer" },
	{ "socket = 5;\n", 1, "'socket' must be a string" },
	{ "user = [ \"a\" ];\n", 1, "'user' must be a string" },
	{ "directory = \"ldap\";\n", 1, "'directory' must be a group" },
	{ "directory = { ldif = \"x.ldif\"; };\n", 1,
	    "'directory.ldif' must be a group" },
	{ "directory = { ldap = { starttls = \"yes\"; }; };\n", 1,
	    "'directory.ldap.starttls' must be a boolean" },
	{ "directory = { ldap = { timeout = \"5\"; }; };\n", 1,
	    "'directory.ldap.timeout' must be a number" },
	{ "directory = { ldap = { uri = \"ldap://x/\"; }; };\n", 1,
	    "'directory.ldap.uri' must be a list of strings" },
	{ "directory = { ldap = { uri = ( \"ldap://x/\", 5 ); }; };\n", 1,
	    "'directory.ldap.uri' must be a list of strings" },
	{ "directory = { cache = { ttl = 1.5; }; };\n", 1,
	    "'directory.cache.ttl' must be an integer" },
	{ "domains = { name = \"a.com\"; };\n", 1,
	    "'domains' must be a list of groups" },
	{ "domains = (\n  \"a.com\",\n  { name = \"b.com\"; }\n);\n", 2,
	    "each entry of 'domains' must be a group" },
	{ "domains = (\n { name = \"a.com\"; authority = \"authoritative\";\n"
	    "   canonicalize = \"yes\"; }\n);\n", 3,
	    "'canonicalize' must be a boolean" },
	{ "domains = ( { name = 5; } );\n", 1, "'name' must be a string" },
	{ "outbound = { authenticated = 1; };\n", 1,
	    "'outbound.authenticated' must be a boolean" },
	{ "outbound = { lookup = \"true\"; };\n", 1,
	    "'outbound.lookup' must be a boolean" },
	{ "outbound = {\n  clients = [ 1, 2 ];\n};\n", 2,
	    "'outbound.clients' must be a list of strings" },
	{ "outbound = { rules = [ \"a.com\" ]; };\n", 1,
	    "'outbound.rules' must be a list of groups" },
	{ "outbound = { headers = \"From\"; };\n", 1,
	    "'outbound.headers' must be a list of strings" },
	/* bad values */
	{ "log_level = \"verbose\";\n", 1, "bad log_level 'verbose'" },
	{ "syslog_facility = \"local9\";\n", 1, "bad syslog_facility 'local9'" },
	{ "on_directory_error = \"reject\";\n", 1,
	    "bad on_directory_error 'reject'" },
	{ "max_hops = 0;\n", 1, "'max_hops' must be between 1 and 100" },
	{ "max_hops = 101;\n", 1, "'max_hops' must be between 1 and 100" },
	{ "max_hops = 10000000000;\n", 1, "'max_hops' must be between 1 and 100" },
	{ "trace_header = \"X Mailswitch\";\n", 1,
	    "bad header field name 'X Mailswitch' in 'trace_header'" },
	{ "trace_header = \"X-Mailswitch:\";\n", 1,
	    "bad header field name 'X-Mailswitch:' in 'trace_header'" },
	{ "socket = \"tcp:8895@127.0.0.1\";\n", 1, "bad socket 'tcp:8895@127.0.0.1'" },
	{ "socket = \"/run/mailswitch.sock\";\n", 1, "bad socket" },
	{ "socket = \"inet:0@127.0.0.1\";\n", 1,
	    "bad socket 'inet:0@127.0.0.1': the port must be 1..65535" },
	{ "socket = \"inet:65536@127.0.0.1\";\n", 1,
	    "bad socket 'inet:65536@127.0.0.1': the port must be 1..65535" },
	{ "socket = \"inet6:port@::1\";\n", 1,
	    "bad socket 'inet6:port@::1': the port must be 1..65535" },
	{ "socket = \"inet:8895@\";\n", 1,
	    "bad socket 'inet:8895@': no host after '@'" },
	{ "socket = \"unix:\";\n", 1, "bad socket 'unix:': no path" },
	{ "directory = { backend = \"sql\"; };\n", 1, "bad backend 'sql'" },
	/* a value shown in a message: control characters as '?', one line */
	{ "directory = { backend = \"ld\\nif\\x1b[2J\"; };\n", 1,
	    "bad backend 'ld?if?[2J' in 'directory.backend': must be ldap or "
	    "ldif" },
	{ "directory = { ldif = { path = \"\"; }; };\n", 1,
	    "'directory.ldif.path' must not be empty" },
	{ "directory = {\n ldap = {\n  scope = \"subtree\";\n };\n};\n", 3,
	    "bad scope 'subtree'" },
	{ "directory = { ldap = { timeout = 0; }; };\n", 1,
	    "'directory.ldap.timeout' must be more than 0" },
	{ "directory = { ldap = { timeout = 300.5; }; };\n", 1,
	    "'directory.ldap.timeout' must be more than 0 and at most 300" },
	{ "directory = { ldap = { connections = 0; }; };\n", 1,
	    "'directory.ldap.connections' must be between 1 and 64" },
	{ "directory = { ldap = { connections = 65; }; };\n", 1,
	    "'directory.ldap.connections' must be between 1 and 64" },
	/* the bind: simple or gssapi, and only the keys of that kind */
	{ "directory = { ldap = { bind = \"kerberos\"; }; };\n", 1,
	    "bad bind 'kerberos' in 'directory.ldap.bind': must be simple or "
	    "gssapi" },
	{ "directory = { ldap = {\n bind = \"gssapi\";\n }; };\n", 2,
	    "bind = \"gssapi\" needs 'directory.ldap.keytab': the keytab "
	    "whose keys prove who mailswitch is" },
	{ "directory = { ldap = {\n bind = \"gssapi\";\n keytab = \"\";\n"
	    " }; };\n", 3, "bind = \"gssapi\" needs 'directory.ldap.keytab'" },
	{ "directory = { ldap = { bind = \"gssapi\"; keytab = \"k\";\n"
	    " bind_dn = \"cn=x\"; }; };\n", 2, "'directory.ldap.bind_dn' is "
	    "for bind = \"simple\" (this one is \"gssapi\")" },
	{ "directory = { ldap = { bind = \"gssapi\"; keytab = \"k\";\n"
	    " bind_password_file = \"pw\"; }; };\n", 2,
	    "'directory.ldap.bind_password_file' is for bind = \"simple\"" },
	{ "directory = { ldap = {\n keytab = \"k\"; }; };\n", 2,
	    "'directory.ldap.keytab' is for bind = \"gssapi\" (this one is "
	    "\"simple\")" },
	{ "directory = { ldap = { bind = \"simple\";\n principal = \"p\"; };"
	    " };\n", 2, "'directory.ldap.principal' is for bind = \"gssapi\"" },
	{ "directory = { ldap = { bind = \"gssapi\"; keytab = 1; }; };\n", 1,
	    "'directory.ldap.keytab' must be a string" },
	{ "directory = { ldap = { range_size = -1; }; };\n", 1,
	    "'directory.ldap.range_size' must be between 0 and 1000000" },
	{ "directory = { ldap = { range_size = 1000001; }; };\n", 1,
	    "'directory.ldap.range_size' must be between 0 and 1000000" },
	{ "directory = { ldap = { range_size = \"1500\"; }; };\n", 1,
	    "'directory.ldap.range_size' must be an integer" },
	{ "directory = { cache = { entries = -1; }; };\n", 1,
	    "'directory.cache.entries' must be at least 0" },
	{ "directory = { cache = { negative_ttl = -1; }; };\n", 1,
	    "'directory.cache.negative_ttl' must be at least 0" },
	{ "directory = { cache = { ttl = 9223372036854775807L; }; };\n", 1,
	    "'directory.cache.ttl' must be between 0 and 2147483647" },
	{ "directory = { cache = { ttl = 2147483648L; }; };\n", 1,
	    "'directory.cache.ttl' must be between 0 and 2147483647" },
	{ "directory = { cache = { negative_ttl = -9223372036854775807L; }; };\n",
	    1, "'directory.cache.negative_ttl' must be at least 0" },
	{ "directory = { cache = { stale_ttl = -1; }; };\n", 1,
	    "'directory.cache.stale_ttl' must be at least 0" },
	{ "directory = { cache = { stale_ttl = 2147483648L; }; };\n", 1,
	    "'directory.cache.stale_ttl' must be between 0 and 2147483647" },
	{ "directory = { cache = { stale_ttl = \"60\"; }; };\n", 1,
	    "'directory.cache.stale_ttl' must be an integer" },
	/* directory.ldap.replica (SPEC 9) */
	{ "directory = { ldap = {\n  replica = true;\n}; };\n", 2,
	    "'directory.ldap.replica' must be a group { ... }" },
	{ "directory = { ldap = { replica = {\n  enabled = 1;\n}; }; };\n", 2,
	    "'directory.ldap.replica.enabled' must be a boolean (true or false)" },
	{ "directory = { ldap = { replica = {\n  poll = 0;\n}; }; };\n", 2,
	    "'directory.ldap.replica.poll' must be at least 1" },
	{ "directory = { ldap = { replica = {\n  refresh = -5;\n}; }; };\n", 2,
	    "'directory.ldap.replica.refresh' must be at least 1" },
	{ "directory = { ldap = { replica = {\n  max_age = 0;\n}; }; };\n", 2,
	    "'directory.ldap.replica.max_age' must be at least 1" },
	{ "directory = { ldap = { replica = {\n  poll = 1.5;\n}; }; };\n", 2,
	    "'directory.ldap.replica.poll' must be an integer" },
	{ "directory = { ldap = { replica = {\n  page_size = 0;\n}; }; };\n", 2,
	    "'directory.ldap.replica.page_size' must be between 1 and 100000" },
	{ "directory = { ldap = { replica = {\n  page_size = 100001;\n}; }; };\n", 2,
	    "'directory.ldap.replica.page_size' must be between 1 and 100000" },
	{ "directory = { ldap = { replica = {\n  syncrepl = \"on\";\n}; }; };\n", 2,
	    "bad value 'on' in 'directory.ldap.replica.syncrepl': must be auto or off" },
	{ "directory = { ldap = { replica = {\n  syncrepl = true;\n}; }; };\n", 2,
	    "'directory.ldap.replica.syncrepl' must be a string" },
	{ "directory = { ldap = { replica = {\n  change_attribute = \"a b\";\n}; }; };\n", 2,
	    "bad attribute name 'a b' in 'directory.ldap.replica.change_attribute' (letters, digits, '-' and ';' options)" },
	{ "directory = { ldap = { replica = {\n  enabled = true;\n  interval = 5;\n}; }; };\n", 3,
	    "unknown key 'interval' in directory.ldap.replica" },
	/* a max_age that a healthy polling replica cannot meet (SPEC 9) */
	{ "directory = { ldap = { replica = {\n  enabled = true; poll = 600;\n"
	    "  max_age = 5; syncrepl = \"auto\";\n}; }; };\n", 3,
	    "'directory.ldap.replica.max_age' (5 s) must be more than poll "
	    "(600 s) plus timeout (5 s)" },
	{ "directory = { ldap = { timeout = 1.5;\n replica = {\n enabled = true;"
	    "\n poll = 2;\n max_age = 3; }; }; };\n", 5,
	    "'directory.ldap.replica.max_age' (3 s) must be more than poll "
	    "(2 s) plus timeout (1.5 s)" },
	/* syncrepl = "off" polls for certain */
	{ "directory = { ldap = { replica = { enabled = true;\n max_age = 20;\n"
	    " syncrepl = \"off\"; }; }; };\n", 2,
	    "'directory.ldap.replica.max_age' (20 s) must be more than poll "
	    "(15 s) plus timeout (5 s)" },
	/* max_age not given: poll's line */
	{ "directory = { ldap = { replica = { enabled = true;\n\n poll = 3600;"
	    " }; }; };\n", 3,
	    "'directory.ldap.replica.max_age' (3600 s) must be more than poll "
	    "(3600 s) plus timeout (5 s)" },
	{ "socketmap = \"tcp:1\";\n", 1, "bad socket 'tcp:1': must be "
	    "unix:PATH, local:PATH, inet:PORT@HOST or inet6:PORT@HOST" },
	{ "socketmap = \"inet:70000@127.0.0.1\";\n", 1,
	    "bad socket 'inet:70000@127.0.0.1': the port must be 1..65535" },
	{ "socketmap = 1;\n", 1, "'socketmap' must be a string" },
	{ "metrics = 9185;\n", 1, "'metrics' must be a string" },
	{ "metrics = \"unix:/run/m.sock\";\n", 1, "bad metrics "
	    "'unix:/run/m.sock': must be inet:PORT@HOST or inet6:PORT@HOST" },
	{ "metrics = \"9185\";\n", 1, "bad metrics '9185': must be "
	    "inet:PORT@HOST or inet6:PORT@HOST" },
	{ "metrics = \"inet:0@127.0.0.1\";\n", 1,
	    "bad socket 'inet:0@127.0.0.1': the port must be 1..65535" },
	{ "\nmetrics = \"inet:9185\";\n", 2, "bad metrics 'inet:9185': no "
	    "host: say where it listens (inet:PORT@HOST)" },
	{ "metrics = \"inet:9185@\";\n", 1,
	    "bad socket 'inet:9185@': no host after '@'" },
	{ "socket = \"\";\n", 0,
	    "'socket' and 'socketmap' are both \"\": nothing to listen on" },
	{ "socket = \"\";\nsocketmap = \"\";\n", 0,
	    "'socket' and 'socketmap' are both \"\": nothing to listen on" },
	{ "mta = \"exim\";\n", 1,
	    "bad mta 'exim': must be auto, postfix or sendmail" },
	{ "mta = \"Postfix\";\n", 1,
	    "bad mta 'Postfix': must be auto, postfix or sendmail" },
	{ "mta = true;\n", 1, "'mta' must be a string" },
	{ "socket = \"inet:99999@127.0.0.1\";\n", 1,
	    "bad socket 'inet:99999@127.0.0.1': the port must be 1..65535" },
	{ "socket = \"tcp:25\";\n", 1, "bad socket 'tcp:25': must be "
	    "unix:PATH, local:PATH, inet:PORT@HOST or inet6:PORT@HOST" },
	{ "directory = {\n ldap = {\n  uri = [ ];\n };\n};\n", 3,
	    "'directory.ldap.uri' must name at least one server" },
	{ "directory = {\n ldap = {\n  uri = [ \"ldap://a/\",\n"
	    "          \"http://b/\" ];\n };\n};\n", 4,
	    "bad URI 'http://b/' in 'directory.ldap.uri'" },
	{ "directory = { ldap = { uri = [ \"ldap://a/ ldap://b/\" ]; }; };\n", 1,
	    "bad URI 'ldap://a/ ldap://b/' in 'directory.ldap.uri': white space" },
	{ "directory = { proxy_attribute = \"\"; };\n", 1,
	    "bad attribute name '' in 'directory.proxy_attribute'" },
	{ "directory = { target_attribute = \"target Address\"; };\n", 1,
	    "bad attribute name 'target Address' in 'directory.target_attribute'" },
	/* domains */
	{ "domains = (\n  { authority = \"authoritative\"; }\n);\n", 2,
	    "a domains entry has no 'name'" },
	{ "domains = (\n  { name = \"a.com\"; }\n);\n", 2,
	    "domain 'a.com' has no 'authority'" },
	{ "domains = (\n  { name = \"a.com\";\n    authority = \"relay\"; }\n);\n",
	    3, "bad authority 'relay'" },
	{ "domains = (\n  { name = \"*example.com\"; authority = \"authoritative\"; }\n);\n",
	    2, "bad domain name '*example.com'" },
	{ "domains = (\n  { name = \"a..com\"; authority = \"authoritative\"; }\n);\n",
	    2, "bad domain name 'a..com'" },
	{ "domains = (\n  { name = \"a.com\"; authority = \"authoritative\";\n"
	    "    forward_to = \"b.com\"; }\n);\n", 3,
	    "domain 'a.com': forward_to is only allowed with authority = "
	    "\"internal_relay\", not \"authoritative\"" },
	{ "domains = (\n  { name = \"a.com\"; authority = \"external_relay\"; "
	    "forward_to = \"b.com\"; }\n);\n", 2,
	    "domain 'a.com': forward_to is only allowed with authority = "
	    "\"internal_relay\", not \"external_relay\"" },
	{ "domains = (\n  { name = \"a.com\"; authority = \"internal_relay\"; "
	    "forward_to = \"*.b.com\"; }\n);\n", 2,
	    "forward_to: bad domain name '*.b.com' (no wildcard allowed here)" },
	{ "domains = (\n  { name = \"a.com\"; authority = \"authoritative\"; },\n"
	    "  { name = \"b.com\"; authority = \"authoritative\"; },\n"
	    "  { name = \"A.COM\"; authority = \"external_relay\"; }\n);\n", 4,
	    "duplicate domain 'a.com' (first at line 2)" },
	{ "domains = (\n"
	    "  { name = \"a.com\"; authority = \"internal_relay\";\n"
	    "    forward_to = \"b.com\"; },\n"
	    "  { name = \"b.com\"; authority = \"internal_relay\";\n"
	    "    forward_to = \"a.com\"; }\n);\n", 3,
	    "forward_to loop: a.com -> b.com -> a.com" },
	{ "domains = (\n"
	    "  { name = \"a.com\"; authority = \"internal_relay\";\n"
	    "    forward_to = \"A.com\"; }\n);\n", 3,
	    "forward_to loop: a.com -> A.com" },
	{ "domains = (\n"
	    "  { name = \"*.a.com\"; authority = \"internal_relay\";\n"
	    "    forward_to = \"legacy.a.com\"; }\n);\n", 3,
	    "forward_to loop: *.a.com -> legacy.a.com" },
	{ "domains = (\n"
	    "  { name = \"a.com\"; authority = \"internal_relay\"; forward_to = \"b.com\"; },\n"
	    "  { name = \"b.com\"; authority = \"internal_relay\"; forward_to = \"c.com\"; },\n"
	    "  { name = \"c.com\"; authority = \"internal_relay\"; forward_to = \"b.com\"; }\n"
	    ");\n", 2,
	    "forward_to loop: a.com -> b.com -> c.com -> b.com" },
	/* outbound */
	{ "outbound = {\n  clients = [ \"192.0.2.0/24\",\n"
	    "    \"192.0.2.1/24\" ];\n};\n", 3,
	    "host bits set in 192.0.2.1/24" },
	{ "outbound = { clients = [ \"mail.example.com\" ]; };\n", 1,
	    "bad address in network 'mail.example.com'" },
	{ "outbound = { clients = [ \"2001:db8::/200\" ]; };\n", 1,
	    "bad prefix length" },
	{ "outbound = { daemons = [ \"\" ]; };\n", 1,
	    "empty service name in 'outbound.daemons'" },
	{ "outbound = {\n  rules = (\n    { from = \"a.com\"; }\n  );\n};\n", 3,
	    "an outbound.rules entry needs both 'from' and 'to'" },
	{ "outbound = { rules = ( { from = \"*.*.a.com\"; to = \"b.com\"; } ); };\n",
	    1, "from: bad domain name '*.*.a.com'" },
	{ "outbound = { rules = ( { from = \"a.com\"; to = \"*.b.com\"; } ); };\n",
	    1, "to: bad domain name '*.b.com' (no wildcard allowed here)" },
	{ "outbound = { rules = ( \"a.com\" ); };\n", 1,
	    "each entry of 'outbound.rules' must be a group" },
	{ "outbound = {\n  headers = [ \"From\", \"Sender\",\n"
	    "    \"from\" ];\n};\n", 3,
	    "duplicate header 'from' in 'outbound.headers'" },
	{ "outbound = { headers = [ \"Reply To\" ]; };\n", 1,
	    "bad header field name 'Reply To' in 'outbound.headers'" },
	{ "outbound = { headers = [ \"\" ]; };\n", 1,
	    "bad header field name '' in 'outbound.headers'" },
};

START_TEST(test_bad)
{
	const char	*path = tcheck_temp_file(bad_rows[_i].text);
	char		 err[CONFIG_ERR_MAX] = "", want[CONFIG_ERR_MAX];
	config_t	*cfg = config_load(path, err, sizeof(err));

	if (bad_rows[_i].line > 0)
		snprintf(want, sizeof(want), "%s:%d: %s", path, bad_rows[_i].line,
		    bad_rows[_i].msg);
	else
		snprintf(want, sizeof(want), "%s: %s", path, bad_rows[_i].msg);
	unlink(path);
	ck_assert_msg(cfg == NULL && strstr(err, want) == err,
	    "row %d: got %s '%s', want '%s' for:\n%s", _i,
	    cfg ? "a configuration" : "NULL", err, want, bad_rows[_i].text);
	config_free(cfg);
}
END_TEST

/* Configurations that load: int for a float, forward_to chains that end. */
static const char *const good_rows[] = {
	"",
	"# nothing\n",
	"socket = \"\";\nsocketmap = \"inet:9001@127.0.0.1\";\n",
	"socketmap = \"unix:/run/mailswitch/socketmap.sock\";\n",
	"metrics = \"\";\n",
	"metrics = \"inet:9185@127.0.0.1\";\n",
	"metrics = \"inet6:9185@::1\";\n",
	"socketmap = \"inet6:9001@::1\";\nsocket = \"inet:8895@127.0.0.1\";\n",
	"directory = { ldap = { timeout = 5; }; };\n",
	"directory = { ldap = { timeout = 0.25; connections = 64; }; };\n",
	"directory = { ldap = { range_size = 0; }; };\n",
	"directory = { ldap = { bind = \"gssapi\"; keytab = \"k\"; "
	    "principal = \"mailswitch@CONTOSO.COM\"; bind_dn = \"\"; }; };\n",
	"directory = { ldap = { bind = \"simple\"; keytab = \"\"; }; };\n",
	"directory = { ldap = { range_size = 1000000; }; };\n",
	"directory = { cache = { entries = 10000000000; ttl = 0; }; };\n",
	"directory = { cache = { stale_ttl = 0; }; };\n",
	"directory = { cache = { ttl = 1; stale_ttl = 2147483647; }; };\n",
	"directory = { ldap = { replica = { }; }; };\n",
	/* max_age just above poll + timeout; a replica not enabled */
	"directory = { ldap = { timeout = 1.5; replica = { enabled = true;"
	    " poll = 1; max_age = 3; }; }; };\n",
	"directory = { ldap = { replica = { enabled = false; poll = 600;"
	    " max_age = 5; }; }; };\n",
	"directory = { ldap = { replica = { enabled = true; poll = 1; refresh = 1;"
	    " change_attribute = \"uSNChanged\"; page_size = 100000;"
	    " max_age = 2147483647; syncrepl = \"off\"; }; }; };\n",
	"domains = ( );\n",
	"domains = [ ];\n",
	"outbound = { clients = ( \"192.0.2.1\" ); headers = [ ]; rules = ( ); };\n",
	"trace_header = \"\";\nsocket = \"local:/tmp/x.sock\";\n",
	"socket = \"inet6:8895@::1\";\n",
	"socket = \"inet:8895\";\n",
	"domains = (\n"
	    "  { name = \"a.com\"; authority = \"internal_relay\"; forward_to = \"b.com\"; },\n"
	    "  { name = \"b.com\"; authority = \"internal_relay\"; forward_to = \"c.com\"; },\n"
	    "  { name = \"c.com\"; authority = \"external_relay\"; },\n"
	    "  { name = \"*.d.com\"; authority = \"internal_relay\"; forward_to = \"d.com\"; },\n"
	    "  { name = \"e.com\"; authority = \"internal_relay\"; forward_to = \"x.d.com\"; }\n"
	    ");\n",
	"directory = { ldap = { uri = [ \"LDAPS://a/\", \"ldapi://%2frun%2fslapd.sock/\" ]; }; };\n",
};

START_TEST(test_good)
{
	char		 err[CONFIG_ERR_MAX] = "";
	config_t	*cfg = tcheck_config_text(good_rows[_i], err, sizeof(err));

	ck_assert_msg(cfg != NULL, "row %d refused: %s\n%s", _i, err,
	    good_rows[_i]);
	config_free(cfg);
}
END_TEST

/*
 * The keytab's path is the file's folder's, and its FILE:LINE is kept for
 * the messages of the bind (ldap_gss.c): the principal's too, or the
 * keytab's when the principal is not given.
 */
START_TEST(test_keytab_where)
{
	char		 err[CONFIG_ERR_MAX] = "";
	const char	*path = tcheck_temp_file("directory = { ldap = {\n"
			    "  bind = \"gssapi\";\n  keytab = \"mail.keytab\";\n"
			    "}; };\n");
	config_t	*cfg = config_load(path, err, sizeof(err));
	char		 at[128];

	unlink(path);
	ck_assert_msg(cfg != NULL, "%s", err);
	snprintf(at, sizeof(at), "%s:3", path);
	ck_assert_str_eq(cfg->directory.ldap.keytab, "/tmp/mail.keytab");
	ck_assert_str_eq(cfg->directory.ldap.keytab_at, at);
	ck_assert_str_eq(cfg->directory.ldap.principal_at, at);
	ck_assert_int_eq(cfg->directory.ldap.bind, BIND_GSSAPI);
	config_free(cfg);
}
END_TEST

START_TEST(test_missing_file)
{
	char		 err[CONFIG_ERR_MAX], want[CONFIG_ERR_MAX];
	const char	*path = "/nonexistent/mailswitch.conf";

	ck_assert_ptr_null(config_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: cannot read: No such file or directory",
	    path);
	ck_assert_str_eq(err, want);

	ck_assert_ptr_null(config_load("/tmp", err, sizeof(err)));
	ck_assert_str_eq(err, "/tmp: cannot read: a directory, not a regular file");
	config_free(NULL);
}
END_TEST

START_TEST(test_defaults)
{
	char		 err[CONFIG_ERR_MAX] = "";
	config_t	*cfg = config_load(tcheck_data("config-minimal.conf"), err,
	    sizeof(err));
	const struct config_directory *d;
	const struct config_outbound *o;

	ck_assert_msg(cfg != NULL, "%s", err);
	d = &cfg->directory;
	o = &cfg->outbound;
	ck_assert_str_eq(cfg->file, tcheck_data("config-minimal.conf"));
	ck_assert_str_eq(cfg->socket, "unix:/run/mailswitch/mailswitch.sock");
	ck_assert_str_eq(cfg->user, "mailswitch");
	ck_assert_str_eq(cfg->pidfile, "");
	ck_assert_int_eq(cfg->log_level, LOG_INFO);
	ck_assert_int_eq(cfg->syslog_facility, LOG_MAIL);
	ck_assert_int_eq(cfg->on_directory_error, DIRERR_TEMPFAIL);
	ck_assert_int_eq(cfg->max_hops, 8);
	ck_assert_int_eq(cfg->mta, MTA_AUTO);
	ck_assert_str_eq(cfg->trace_header, "X-Mailswitch");
	ck_assert_int_eq(d->backend, BACKEND_LDAP);
	ck_assert_msg(d->ldif_path[0] == '/' &&
	    strlen(d->ldif_path) > strlen("/data/contacts.ldif") &&
	    strcmp(d->ldif_path + strlen(d->ldif_path) -
	    strlen("/data/contacts.ldif"), "/data/contacts.ldif") == 0,
	    "ldif_path %s", d->ldif_path);
	ck_assert_uint_eq(d->ldap.nuri, 1);
	ck_assert_str_eq(d->ldap.uri[0], "ldap://127.0.0.1:389/");
	ck_assert_ptr_null(d->ldap.uri[1]);
	ck_assert(!d->ldap.starttls);
	ck_assert_str_eq(d->ldap.tls_ca_file, "");
	ck_assert_str_eq(d->ldap.bind_dn, "");
	ck_assert_str_eq(d->ldap.bind_password_file, "");
	ck_assert_str_eq(d->ldap.base, "");
	ck_assert_int_eq(d->ldap.scope, SCOPE_SUB);
	ck_assert(d->ldap.timeout == 5.0);
	ck_assert_int_eq(d->ldap.connections, 4);
	ck_assert_int_eq(d->ldap.range_size, 0);
	ck_assert_int_eq(d->ldap.bind, BIND_SIMPLE);
	ck_assert_str_eq(d->ldap.keytab, "");
	ck_assert_str_eq(d->ldap.principal, "");
	ck_assert(!d->ldap.replica.enabled);
	ck_assert_int_eq(d->ldap.replica.poll, 15);
	ck_assert_int_eq(d->ldap.replica.refresh, 3600);
	ck_assert_str_eq(d->ldap.replica.change_attribute, "modifyTimestamp");
	ck_assert_int_eq(d->ldap.replica.page_size, 500);
	ck_assert_int_eq(d->ldap.replica.max_age, 3600);
	ck_assert(d->ldap.replica.syncrepl);
	ck_assert_str_eq(d->proxy_attribute, "proxyAddresses");
	ck_assert_str_eq(d->target_attribute, "targetAddress");
	ck_assert_int_eq(d->cache.entries, 100000);
	ck_assert_int_eq(d->cache.ttl, 300);
	ck_assert_int_eq(d->cache.negative_ttl, 60);
	ck_assert_int_eq(d->cache.stale_ttl, 0);
	ck_assert_ptr_nonnull(cfg->domains);
	ck_assert_uint_eq(domains_count(cfg->domains), 0);
	ck_assert_uint_eq(o->nclients, 0);
	ck_assert_uint_eq(o->ndaemons, 0);
	ck_assert_ptr_nonnull(o->daemons);
	ck_assert_ptr_null(o->daemons[0]);
	ck_assert(!o->authenticated);
	ck_assert(o->lookup);
	ck_assert_uint_eq(o->nrules, 0);
	ck_assert_uint_eq(o->nheaders, 3);
	ck_assert_str_eq(o->headers[0], "From");
	ck_assert_str_eq(o->headers[1], "Sender");
	ck_assert_str_eq(o->headers[2], "Reply-To");
	ck_assert_ptr_null(o->headers[3]);
	ck_assert_ptr_null(resolve_outbound_rule(&cfg->outbound, "example.com"));
	config_free(cfg);
}
END_TEST

/* The shipped example, which other tests and the documentation rely on. */
START_TEST(test_etc)
{
	char		 err[CONFIG_ERR_MAX] = "";
	config_t	*cfg = config_load(tcheck_etc("mailswitch.conf"), err,
	    sizeof(err));
	const struct config_directory *d;
	const struct config_outbound *o;
	const domain_t	*dom;
	const char	*tail = "/etc/contacts.ldif";

	ck_assert_msg(cfg != NULL, "%s", err);
	d = &cfg->directory;
	o = &cfg->outbound;
	ck_assert_str_eq(cfg->socket, "inet:8895@127.0.0.1");
	ck_assert_str_eq(cfg->user, "mailswitch");
	ck_assert_str_eq(cfg->pidfile, "");
	ck_assert_int_eq(cfg->log_level, LOG_INFO);
	ck_assert_int_eq(cfg->syslog_facility, LOG_MAIL);
	ck_assert_int_eq(cfg->on_directory_error, DIRERR_TEMPFAIL);
	ck_assert_int_eq(cfg->max_hops, 8);
	ck_assert_str_eq(cfg->trace_header, "X-Mailswitch");
	ck_assert_int_eq(d->backend, BACKEND_LDIF);
	ck_assert_msg(strlen(d->ldif_path) > strlen(tail) &&
	    strcmp(d->ldif_path + strlen(d->ldif_path) - strlen(tail), tail) == 0,
	    "ldif_path %s", d->ldif_path);
	ck_assert_uint_eq(d->ldap.nuri, 1);
	ck_assert_str_eq(d->ldap.uri[0], "ldap://127.0.0.1:389/");
	ck_assert_str_eq(d->ldap.base, "dc=contoso,dc=com");
	ck_assert_int_eq(d->ldap.scope, SCOPE_SUB);
	ck_assert(d->ldap.timeout == 5.0);
	ck_assert_int_eq(d->ldap.connections, 4);
	ck_assert_str_eq(d->proxy_attribute, "proxyAddresses");
	ck_assert_str_eq(d->target_attribute, "targetAddress");
	ck_assert_int_eq(d->cache.entries, 100000);

	ck_assert_uint_eq(domains_count(cfg->domains), 3);
	dom = domains_get(cfg->domains, 0);
	ck_assert_str_eq(dom->name, "contoso.com");
	ck_assert_int_eq(dom->authority, AUTHORITY_INTERNAL_RELAY);
	ck_assert_str_eq(dom->forward_to, "legacy.contoso.com");
	ck_assert(!dom->canonicalize);
	dom = domains_get(cfg->domains, 1);
	ck_assert_str_eq(dom->name, "sales.contoso.com");
	ck_assert_int_eq(dom->authority, AUTHORITY_AUTHORITATIVE);
	ck_assert_ptr_null(dom->forward_to);
	ck_assert(dom->canonicalize);
	dom = domains_get(cfg->domains, 2);
	ck_assert_str_eq(dom->name, "fourthcoffee.com");
	ck_assert_int_eq(dom->authority, AUTHORITY_EXTERNAL_RELAY);
	ck_assert_ptr_null(domains_match(cfg->domains, "legacy.contoso.com"));

	ck_assert_uint_eq(o->nclients, 2);
	ck_assert_int_eq(netaddr_match(&o->clients[0], "192.0.2.25"), 1);
	ck_assert_int_eq(netaddr_match(&o->clients[1], "IPv6:2001:db8::25"), 1);
	ck_assert_uint_eq(o->ndaemons, 0);
	ck_assert(!o->authenticated);
	ck_assert(o->lookup);
	ck_assert_uint_eq(o->nrules, 2);
	ck_assert_str_eq(o->rules[0].from, "fourthcoffee.com");
	ck_assert_str_eq(o->rules[0].to, "contoso.com");
	ck_assert_str_eq(o->rules[1].from, "*.fourthcoffee.com");
	ck_assert_ptr_eq(resolve_outbound_rule(&cfg->outbound, "FourthCoffee.com"),
	    &o->rules[0]);
	ck_assert_ptr_eq(resolve_outbound_rule(&cfg->outbound, "eu.fourthcoffee.com"),
	    &o->rules[1]);
	ck_assert_ptr_null(resolve_outbound_rule(&cfg->outbound, "contoso.com"));
	ck_assert_uint_eq(o->nheaders, 3);
	ck_assert_str_eq(o->headers[2], "Reply-To");
	config_free(cfg);
}
END_TEST

/* Ends with: returns 1 when s ends with tail. */
static int
ends_with(const char *s, const char *tail)
{
	size_t	sl = strlen(s), tl = strlen(tail);

	return sl >= tl && strcmp(s + sl - tl, tail) == 0;
}

START_TEST(test_paths)
{
	char		 err[CONFIG_ERR_MAX] = "";
	config_t	*cfg = config_load(tcheck_data("config-paths.conf"), err,
	    sizeof(err));

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_msg(cfg->directory.ldif_path[0] == '/' &&
	    ends_with(cfg->directory.ldif_path, "/data/sub/contacts.ldif"),
	    "ldif_path %s", cfg->directory.ldif_path);
	ck_assert_msg(ends_with(cfg->directory.ldap.tls_ca_file, "/data/ca.pem"),
	    "tls_ca_file %s", cfg->directory.ldap.tls_ca_file);
	ck_assert_str_eq(cfg->directory.ldap.bind_password_file,
	    "/etc/mailswitch/bind.secret");
	ck_assert_msg(ends_with(cfg->pidfile, "/data/run/mailswitch.pid"),
	    "pidfile %s", cfg->pidfile);
	config_free(cfg);

	/* exactly the file's folder + "/" + the relative path */
	cfg = tcheck_config_text("directory = { ldif = { path = \"c.ldif\"; };\n"
	    "  ldap = { tls_ca_file = \"tls/ca.pem\"; bind_password_file = \"pw\"; }; };\n",
	    err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_str_eq(cfg->directory.ldif_path, "/tmp/c.ldif");
	ck_assert_str_eq(cfg->directory.ldap.tls_ca_file, "/tmp/tls/ca.pem");
	ck_assert_str_eq(cfg->directory.ldap.bind_password_file, "/tmp/pw");
	config_free(cfg);

	/* a unix socket too; an absolute one and inet: stay as they are */
	cfg = tcheck_config_text("socket = \"unix:run/ms.sock\";\n"
	    "socketmap = \"local:sm.sock\";\n", err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_str_eq(cfg->socket, "unix:/tmp/run/ms.sock");
	ck_assert_str_eq(cfg->socketmap, "local:/tmp/sm.sock");
	config_free(cfg);
	cfg = tcheck_config_text("socket = \"unix:/run/ms.sock\";\n"
	    "socketmap = \"inet:9000@127.0.0.1\";\n", err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_str_eq(cfg->socket, "unix:/run/ms.sock");
	ck_assert_str_eq(cfg->socketmap, "inet:9000@127.0.0.1");
	config_free(cfg);
}
END_TEST

START_TEST(test_include)
{
	char		 err[CONFIG_ERR_MAX] = "";
	config_t	*cfg = config_load(tcheck_data("config-include.conf"), err,
	    sizeof(err));

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_int_eq(cfg->max_hops, 3);
	ck_assert_uint_eq(domains_count(cfg->domains), 1);
	config_free(cfg);

	/* a mistake in an included file names that file and its line */
	cfg = config_load(tcheck_data("config-include-bad.conf"), err,
	    sizeof(err));
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(err, "config-include-badpart.conf:3: "
	    "unknown key 'maxhops'") != NULL, "got '%s'", err);
}
END_TEST

/*
 * Paths that are not regular files (a FIFO would block the reader for
 * ever, /dev/zero never ends) are refused with FILE[:LINE].  In a row, @F@
 * stands for the FIFO, @M@ the main file (the row's text, or the FIFO
 * itself when the text is NULL, or the path in main), @P@ a regular file
 * that includes the FIFO.
 */
static const struct {
	const char	*text;		/* the main file; NULL: main is read */
	const char	*main;		/* NULL: the FIFO */
	const char	*want;		/* the whole message */
} irregular_rows[] = {
	{ NULL, NULL, "@F@: cannot read: a FIFO, not a regular file" },
	{ NULL, "/dev/zero",
	    "/dev/zero: cannot read: a character device, not a regular file" },
	{ "max_hops = 3;\n@include \"@F@\"\n", NULL,
	    "@M@:2: @include \"@F@\": @F@: cannot read: a FIFO, not a "
	    "regular file" },
	{ "  @include \"/dev/zero\"\n", NULL,
	    "@M@:1: @include \"/dev/zero\": /dev/zero: cannot read: a "
	    "character device, not a regular file" },
	{ "@include \"@P@\"\n", NULL,
	    "@M@:1: @include \"@P@\": @P@:2: @include \"@F@\": @F@: "
	    "cannot read: a FIFO, not a regular file" },
	{ "directory = {\n backend = \"ldif\";\n ldif = { path = \"@F@\"; };\n};\n",
	    NULL, "@M@:3: 'directory.ldif.path' @F@: a FIFO, not a regular file" },
	{ "directory = { ldap = { bind_password_file = \"/dev/zero\"; }; };\n",
	    NULL, "@M@:1: 'directory.ldap.bind_password_file' /dev/zero: a "
	    "character device, not a regular file" },
	{ "directory = { ldap = { tls_ca_file = \"@F@\"; }; };\n", NULL,
	    "@M@:1: 'directory.ldap.tls_ca_file' @F@: a FIFO, not a regular "
	    "file" },
	{ "directory = { ldif = { path = \"/\"; }; };\n", NULL,
	    "@M@:1: 'directory.ldif.path' /: a directory, not a regular file" },
};

START_TEST(test_irregular)
{
	char		 dir[] = "/tmp/check_config-XXXXXX";
	char		 fifo[64], part[64], text[1024], want[2048];
	char		 err[CONFIG_ERR_MAX] = "";
	const char	*main;
	FILE		*fp;

	alarm(20);		/* a regression hangs: fail, do not wait */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(part, sizeof(part), "%s/part.conf", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_ptr_nonnull(fp = fopen(part, "w"));
	fprintf(fp, "max_hops = 2;\n@include \"%s\"\n", fifo);
	ck_assert_int_eq(fclose(fp), 0);

	if (irregular_rows[_i].text == NULL)
		main = irregular_rows[_i].main ? irregular_rows[_i].main : fifo;
	else {
		tcheck_subst(irregular_rows[_i].text, fifo, "", part, text,
		    sizeof(text));
		main = tcheck_temp_file(text);
	}
	tcheck_subst(irregular_rows[_i].want, fifo, main, part, want,
	    sizeof(want));
	ck_assert_ptr_null(config_load(main, err, sizeof(err)));
	ck_assert_msg(strcmp(err, want) == 0, "row %d: got '%s', want '%s'",
	    _i, err, want);
	if (irregular_rows[_i].text != NULL)
		unlink(main);
	unlink(part);
	unlink(fifo);
	rmdir(dir);
	alarm(0);
}
END_TEST

/* Every replica key lands where replica_state.c reads it. */
START_TEST(test_replica)
{
	char		 err[CONFIG_ERR_MAX];
	config_t	*cfg = tcheck_config_text("directory = { ldap = { replica = {\n"
	    "  enabled = true; poll = 2; refresh = 60;\n"
	    "  change_attribute = \"uSNChanged\"; page_size = 1000;\n"
	    "  max_age = 30; syncrepl = \"off\";\n}; }; };\n", err,
	    sizeof(err));
	const struct config_replica *rp;

	ck_assert_msg(cfg != NULL, "%s", err);
	rp = &cfg->directory.ldap.replica;
	ck_assert(rp->enabled);
	ck_assert_int_eq(rp->poll, 2);
	ck_assert_int_eq(rp->refresh, 60);
	ck_assert_str_eq(rp->change_attribute, "uSNChanged");
	ck_assert_int_eq(rp->page_size, 1000);
	ck_assert_int_eq(rp->max_age, 30);
	ck_assert(!rp->syncrepl);
	config_free(cfg);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");

	tcase_add_loop_test(tc, test_bad, 0, (int)NELEM(bad_rows));
	tcase_add_loop_test(tc, test_good, 0, (int)NELEM(good_rows));
	tcase_add_test(tc, test_keytab_where);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_replica);
	tcase_add_test(tc, test_etc);
	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_include);
	tcase_add_loop_test(tc, test_irregular, 0, (int)NELEM(irregular_rows));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(config_suite());
}
