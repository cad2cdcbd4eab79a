-- t-outbound-rules.lua -- outbound.lookup = false (t-outbound-rules.conf):
-- the rules alone map the sender, keeping the local part as it was, even
-- for a contact of the directory (Alice.Wong@fourthcoffee.com becomes
-- Alice.Wong@contoso.com, not her primary address alice@contoso.com); the
-- first matching rule wins (eu.fourthcoffee.com before *.fourthcoffee.com,
-- which comes before us.fourthcoffee.com); a domain that merely ends in
-- fourthcoffee.com is no subdomain.  To is in outbound.headers here.
dofile(tdir .. "/mtlib.lua")
dofile(tdir .. "/outlib.lua")

-- One row per message from 192.0.2.10 to the Internet: the sender (also
-- the From field), the sender it must leave with (nil: unchanged).
local rows = {
	{ "Alice.Wong@fourthcoffee.com", "Alice.Wong@contoso.com" },
	{ "bob@fourthcoffee.com", "bob@contoso.com" },
	{ "bob+news@FourthCoffee.com", "bob+news@contoso.com" },
	{ "x@eu.fourthcoffee.com", "x@eu.contoso.com" },
	{ "x@us.fourthcoffee.com", "x@contoso.com" },
	{ "x@a.b.fourthcoffee.com", "x@contoso.com" },
	{ "x@notfourthcoffee.com", nil },
	{ "x@fourthcoffee.com.example.org", nil },
}

local conn = connect_as("192.0.2.10")
for i, r in ipairs(rows) do
	local qid = string.format("4XbRUL%02dmk0z", i)
	mailfrom(conn, r[1])
	rcpt(conn, "<someone@example.org>", "continue", qid)
	finish(conn, qid, {
		{ "From", "Sender Name <" .. r[1] .. ">" },
		{ "Subject", "rules " .. i } })
	if r[2] ~= nil then
		changed(conn, "From", "Sender Name <" .. r[2] .. ">")
		log_has({ qid .. ": from=<" .. r[1] .. "> -> <" .. r[2] ..
		    "> outbound" })
	else
		no_header_change(conn, r[1] .. " maps nowhere")
		log_has({ qid .. ": from=<" .. r[1] ..
		    "> unchanged outbound unmapped" })
	end
end

-- To is rewritten too when listed in outbound.headers (every mailbox of it
-- that maps, the others kept).
mailfrom(conn, "Alice.Wong@fourthcoffee.com")
rcpt(conn, "<someone@example.org>", "continue", "4XbRULTOmk0z")
finish(conn, "4XbRULTOmk0z", {
	{ "From", "Alice Wong <Alice.Wong@fourthcoffee.com>" },
	{ "To", "someone@example.org, Bob Lee <bob@fourthcoffee.com>" },
	{ "Cc", "bob@fourthcoffee.com" },
	{ "Subject", "rules To" } })
changed(conn, "From", "Alice Wong <Alice.Wong@contoso.com>")
changed(conn, "To", "someone@example.org, Bob Lee <bob@contoso.com>")
unchanged(conn, "Cc")
mt.disconnect(conn)
