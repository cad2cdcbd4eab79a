-- outlib.lua -- helpers of the outbound miltertest scripts
-- (t/milter/t-outbound*.lua), loaded after mtlib.lua:
--	dofile(tdir .. "/mtlib.lua")
--	dofile(tdir .. "/outlib.lua")

-- Connect as Postfix would, for a client at ip, with {daemon_name} daemon.
function connect_as(ip, daemon)
	local conn = mt.connect(socket, 40, 0.25)
	if conn == nil then
		fail("mt.connect(" .. socket .. ")")
	end
	mt.macro(conn, SMFIC_CONNECT, "j", "mx.contoso.com",
	    "{daemon_name}", daemon or "smtpd", "{daemon_addr}", "127.0.0.1",
	    "v", "Postfix 3.7.11", "{client_addr}", ip)
	try("mt.conninfo()", mt.conninfo, conn, "client.example.net", ip)
	check(mt.getreply(conn) == SMFIR_CONTINUE, "connect from " .. ip ..
	    " (" .. (daemon or "smtpd") .. "): continue")
	if wants(conn, SMFIP_NOHELO) then
		try("mt.helo()", mt.helo, conn, "client.example.net")
	end
	return conn
end

-- MAIL FROM:<sender> with {auth_authen} auth when given (one macro packet:
-- a second one for the same step would replace the first).
function mailfrom_auth(conn, sender, auth)
	rcpt_count = 0
	if auth ~= nil then
		mt.macro(conn, SMFIC_MAIL, "{mail_addr}", sender,
		    "{auth_type}", "PLAIN", "{auth_authen}", auth)
	else
		mt.macro(conn, SMFIC_MAIL, "{mail_addr}", sender)
	end
	try("mt.mailfrom()", mt.mailfrom, conn, "<" .. sender .. ">")
	check(mt.getreply(conn) == SMFIR_CONTINUE,
	    "MAIL FROM:<" .. sender .. ">" ..
	    (auth and (" (auth " .. auth .. ")") or "") .. ": continue")
end

-- The field name was changed to exactly value.
function changed(conn, name, value)
	check(mt.eom_check(conn, MT_HDRCHANGE, name, value),
	    "chgheader " .. name .. ": " .. value)
end

-- No field called name was changed.
function unchanged(conn, name)
	check(not mt.eom_check(conn, MT_HDRCHANGE, name),
	    "no chgheader " .. name)
end

-- No header field at all was changed, added or inserted.
function no_header_change(conn, why)
	check(not mt.eom_check(conn, MT_HDRCHANGE), "no chgheader: " .. why)
	no_header_added(conn)
end

-- The daemon's log has no line containing every string of words.
function log_lacks(words, name)
	local line = log_find(words)
	if line ~= nil then
		fail(name .. " (found: " .. line .. ")")
	end
	check(true, name)
end
