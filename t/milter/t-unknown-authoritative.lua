-- t-unknown-authoritative.lua -- a recipient of an authoritative domain that
-- is not in the directory is rejected at RCPT time with 550 5.1.1; the
-- other recipients of the message go on.  miltertest keeps only the reply
-- command of a RCPT (SMFIR_REPLYCODE), not its text, so the text is checked
-- in the daemon's log here and exactly through Postfix in t/e2e.
dofile(tdir .. "/mtlib.lua")

local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<nobody@sales.contoso.com>", "replycode")
log_has({ "reject rcpt=<nobody@sales.contoso.com> 550 5.1.1" })
rcpt(conn, "<dan.park@contoso.com>", "continue", "4XbQ5E1mk0z1")
rcpt(conn, "<Nobody.Else@SALES.contoso.com>", "replycode", "4XbQ5E1mk0z1")
log_has({ "4XbQ5E1mk0z1: ", "reject rcpt=<Nobody.Else@SALES.contoso.com> 550 5.1.1" })
finish(conn, "4XbQ5E1mk0z1")
deleted(conn, "<nobody@sales.contoso.com>", false)
deleted(conn, "<dan.park@contoso.com>", false)
no_header_added(conn)
mt.disconnect(conn)
