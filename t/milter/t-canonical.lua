-- t-canonical.lua -- a mailbox user's secondary address in a domain with
-- canonicalize = true is replaced by the user's primary address:
-- carol@sales.contoso.com -> Carol.Diaz@sales.contoso.com; the primary
-- itself is left alone.
dofile(tdir .. "/mtlib.lua")

local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<carol@sales.contoso.com>", "continue")
finish(conn, "4XbQDN1mk0z1")
deleted(conn, "<carol@sales.contoso.com>")
added(conn, "<Carol.Diaz@sales.contoso.com>")
header_added(conn, "X-Mailswitch", "rcpt=<carol@sales.contoso.com> -> <Carol.Diaz@sales.contoso.com>")
log_has({ "4XbQDN1mk0z1: ", "rcpt=<carol@sales.contoso.com> -> <Carol.Diaz@sales.contoso.com>" })

mailfrom(conn, "someone@example.org")
rcpt(conn, "<Carol.Diaz@sales.contoso.com>", "continue")
finish(conn, "4XbQDN2mk0z2")
deleted(conn, "<Carol.Diaz@sales.contoso.com>", false)
added(conn, "<Carol.Diaz@sales.contoso.com>", false)
no_header_added(conn)

mailfrom(conn, "someone@example.org")
rcpt(conn, "<g.ho@sales.contoso.com>", "continue")
rcpt(conn, "<gina@sales.contoso.com>", "continue", "4XbQDN3mk0z3")
finish(conn, "4XbQDN3mk0z3")
deleted(conn, "<g.ho@sales.contoso.com>")
deleted(conn, "<gina@sales.contoso.com>", false)
-- gina@ is already a recipient: the target is not added a second time
added(conn, "<gina@sales.contoso.com>", false)
mt.disconnect(conn)
