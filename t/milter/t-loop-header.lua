-- t-loop-header.lua -- the loop check between systems (SPEC section 8): a
-- message that comes back carrying the trace field this recipient's
-- rewrite would add is refused at end of data with 554 5.4.6, nothing
-- changed; one whose trace field names another target is rewritten as
-- usual, with its own trace field added.
dofile(tdir .. "/mtlib.lua")

local hdrs = { { "From", "<someone@example.org>" },
    { "To", "<bob@contoso.com>" }, { "Subject", "mailswitch loop test" } }

-- back from the other system: the field of the first pass (its name in
-- another case, folded) is there
local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<bob@contoso.com>", "continue")
rcpt(conn, "<dan@contoso.com>", "continue", "4XbQL00P1mk0")
local back = { { "x-mailswitch", "rcpt=<bob@contoso.com>\n\t-> <bob@fourthcoffee.com>" } }
for _, h in ipairs(hdrs) do table.insert(back, h) end
finish_want(conn, "4XbQL00P1mk0", back, "replycode")
check(mt.getreply(conn) == SMFIR_REPLYCODE, "end of message: SMFIR_REPLYCODE")
deleted(conn, "<bob@contoso.com>", false)
added(conn, "<bob@fourthcoffee.com>", false)
no_header_added(conn)
log_has({ "4XbQL00P1mk0: reject 554 5.4.6 routing loop: X-Mailswitch: " ..
    "rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> already present" })
mt.disconnect(conn)

-- a trace field with another target: not this path, rewritten
conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<bob@contoso.com>", "continue")
rcpt(conn, "<dan@contoso.com>", "continue", "4XbQL01P1mk0")
local other = { { "X-Mailswitch", "rcpt=<bob@contoso.com> -> <bob@elsewhere.example>" } }
for _, h in ipairs(hdrs) do table.insert(other, h) end
finish(conn, "4XbQL01P1mk0", other)
deleted(conn, "<bob@contoso.com>")
added(conn, "<bob@fourthcoffee.com>")
header_added(conn, "X-Mailswitch", "rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>")
log_has({ "4XbQL01P1mk0: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact" })
mt.disconnect(conn)
