-- t-syntax.lua -- a recipient that is not a valid RFC 5321 path is
-- rejected with 501 5.1.3.
dofile(tdir .. "/mtlib.lua")

local conn = connect()
mailfrom(conn, "someone@example.org")
local bad = { "<a b@contoso.com>", "<@contoso.com>", "<bob@@contoso.com>",
    "<bob@>" }
for _, p in ipairs(bad) do
	rcpt(conn, p, "replycode")
end
-- a good one afterwards still works
rcpt(conn, "<bob@contoso.com>", "continue", "4XbQCM1mk0z1")
finish(conn, "4XbQCM1mk0z1")
deleted(conn, "<bob@contoso.com>")
added(conn, "<bob@fourthcoffee.com>")
for _, p in ipairs(bad) do
	log_has({ "reject rcpt=" .. p .. " 501 5.1.3" })
	deleted(conn, p, false)
end
mt.disconnect(conn)
