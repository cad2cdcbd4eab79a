-- t-duplicates.lua -- two recipients that resolve to the same target are
-- delivered once (bob@ and bob.lee@ -> one addrcpt), and a target equal to
-- a recipient already kept is not added again.  miltertest can only tell
-- whether an addrcpt happened, not how often; the header count (one per
-- rewritten recipient) and the log show both rewrites.  One recipient
-- given twice gets one trace header.
dofile(tdir .. "/mtlib.lua")

local conn = connect()

-- 1. bob@contoso.com and bob.lee@contoso.com
mailfrom(conn, "someone@example.org")
rcpt(conn, "<bob@contoso.com>", "continue")
rcpt(conn, "<bob.lee@contoso.com>", "continue", "4XbQAK1mk0z1")
finish(conn, "4XbQAK1mk0z1")
deleted(conn, "<bob@contoso.com>")
deleted(conn, "<bob.lee@contoso.com>")
added(conn, "<bob@fourthcoffee.com>")
local n = header_count(conn, "X-Mailswitch")
check(n == 2, "one X-Mailswitch header per rewritten recipient (got " .. n .. ")")

-- 2. bob@fourthcoffee.com (kept: external_relay) and bob@contoso.com
mailfrom(conn, "someone@example.org")
rcpt(conn, "<bob@fourthcoffee.com>", "continue")
rcpt(conn, "<bob@contoso.com>", "continue", "4XbQAK2mk0z2")
finish(conn, "4XbQAK2mk0z2")
deleted(conn, "<bob@contoso.com>")
deleted(conn, "<bob@fourthcoffee.com>", false)
added(conn, "<bob@fourthcoffee.com>", false)

-- 3. the same, target spelled differently in the kept recipient
mailfrom(conn, "someone@example.org")
rcpt(conn, "<alice@contoso.com>", "continue")
rcpt(conn, "<alice.wong@FOURTHCOFFEE.COM>", "continue", "4XbQAK3mk0z3")
finish(conn, "4XbQAK3mk0z3")
deleted(conn, "<alice@contoso.com>")
deleted(conn, "<alice.wong@FOURTHCOFFEE.COM>", false)
added(conn, "<Alice.Wong@fourthcoffee.com>", false)

-- 4. one recipient given twice, with and without a source route: deleted
-- by the name Postfix stored for both, one trace header
mailfrom(conn, "someone@example.org")
rcpt(conn, "<bob@contoso.com>", "continue")
rcpt(conn, "<@x.example:bob@contoso.com>", "continue", "4XbQAK4mk0z4")
finish(conn, "4XbQAK4mk0z4")
deleted(conn, "<bob@contoso.com>")
deleted(conn, "<@x.example:bob@contoso.com>", false)
added(conn, "<bob@fourthcoffee.com>")
n = header_count(conn, "X-Mailswitch")
check(n == 1, "one X-Mailswitch header for one recipient given twice (got " .. n .. ")")

mt.disconnect(conn)
