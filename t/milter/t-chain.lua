-- t-chain.lua -- a target that is itself a proxy address of another
-- contact is followed: erin@contoso.com -> erin.old@contoso.com ->
-- erin@fourthcoffee.com; a contact in an authoritative domain is rewritten
-- too (frank@sales.contoso.com -> frank@fourthcoffee.com).
dofile(tdir .. "/mtlib.lua")

local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<erin@contoso.com>", "continue")
rcpt(conn, "<frank@sales.contoso.com>", "continue", "4XbQ4D1mk0z1")
finish(conn, "4XbQ4D1mk0z1")
deleted(conn, "<erin@contoso.com>")
added(conn, "<erin@fourthcoffee.com>")
added(conn, "<erin.old@contoso.com>", false)
deleted(conn, "<frank@sales.contoso.com>")
added(conn, "<frank@fourthcoffee.com>")
header_added(conn, "X-Mailswitch", "rcpt=<erin@contoso.com> -> <erin@fourthcoffee.com>")
mt.disconnect(conn)
