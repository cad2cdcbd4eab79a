-- t-outbound-select.lua -- which mail is the subsidiary's
-- (t-outbound-select.conf: clients = single addresses 192.0.2.10 and
-- 2001:db8::5, daemons = [ "subsidiary" ], authenticated = true): the
-- client address, the {daemon_name} macro (Postfix's
-- milter_macro_daemon_name, sent at connect) and the SASL login
-- ({auth_authen}, sent at MAIL) each select it on their own; anything else
-- is left alone.  Every message goes to the Internet.
dofile(tdir .. "/mtlib.lua")
dofile(tdir .. "/outlib.lua")

-- ip, daemon (nil: "smtpd"), SASL login (nil: none), selected?
local rows = {
	{ "192.0.2.10", nil, nil, true },
	{ "192.0.2.11", nil, nil, false },
	{ "2001:db8::5", nil, nil, true },
	{ "2001:db8::6", nil, nil, false },
	{ "198.51.100.7", "subsidiary", nil, true },
	{ "198.51.100.7", "Subsidiary", nil, false },
	{ "198.51.100.7", "smtpd", nil, false },
	{ "198.51.100.7", nil, "bob", true },
	{ "198.51.100.7", nil, "", false },
	{ "203.0.113.9", "subsidiary", "bob", true },
}

for i, r in ipairs(rows) do
	local qid = string.format("4XbSEL%02dmk0z", i)
	local what = r[1] .. " daemon " .. (r[2] or "smtpd") ..
	    (r[3] and (" auth '" .. r[3] .. "'") or "")
	local conn = connect_as(r[1], r[2])
	mailfrom_auth(conn, "bob@fourthcoffee.com", r[3])
	rcpt(conn, "<someone@example.org>", "continue", qid)
	finish(conn, qid, { { "From", "\"Bob Lee\" <bob@fourthcoffee.com>" },
	    { "Subject", "select " .. i } })
	if r[4] then
		changed(conn, "From", "\"Bob Lee\" <bob@contoso.com>")
		log_has({ qid .. ": from=<bob@fourthcoffee.com> -> " ..
		    "<bob@contoso.com> outbound" }, "subsidiary: " .. what)
	else
		no_header_change(conn, "not subsidiary: " .. what)
		log_lacks({ qid, "outbound" }, "not subsidiary: " .. what ..
		    ": no outbound log line")
	end
	mt.disconnect(conn)
end
