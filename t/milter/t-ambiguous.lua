-- t-ambiguous.lua -- a proxy address held by two directory entries is
-- rejected at RCPT time with 550 5.1.4.
dofile(tdir .. "/mtlib.lua")

local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<shared@contoso.com>", "replycode")
log_has({ "shared@contoso.com", "550 5.1.4" })
mt.disconnect(conn)
