-- mtlib.lua -- helpers shared by the miltertest scripts t/milter/t-*.lua.
--
-- run.sh defines the globals `socket` (the daemon's milter socket), `log`
-- (the file the daemon's stderr goes to) and `tdir` (this folder); each
-- script starts with   dofile(tdir .. "/mtlib.lua")
--
-- The helpers play Postfix: the macros it sends (v, j, {daemon_name} at
-- connect; {i} only from the second RCPT on and at end of message).
-- Every failed check prints "FAIL: why" before raising the Lua error
-- (miltertest itself exits 1 without a message).

SMFIC_BODYEOB = string.byte("E")	-- macro type for end of message

mt.set_timeout(10)

-- Print why and stop the script.
function fail(why)
	mt.echo("FAIL: " .. why)
	error(why)
end

-- Check a condition; print PASS/FAIL with a name.
function check(cond, name)
	if not cond then
		fail(name)
	end
	mt.echo("ok: " .. name)
end

-- Call mt function f with the arguments; a Lua error or a non-nil
-- result (miltertest's error string) fails with what.
function try(what, f, ...)
	local ok, err = pcall(f, ...)
	if not ok then
		fail(what .. ": " .. tostring(err))
	elseif err ~= nil then
		fail(what .. ": " .. tostring(err))
	end
end

-- True unless the filter negotiated away protocol step bit (SMFIP_NO*).
function wants(conn, bit)
	return not mt.test_option(conn, bit)
end

local replies = {
	[SMFIR_CONTINUE] = "continue", [SMFIR_ACCEPT] = "accept",
	[SMFIR_REJECT] = "reject", [SMFIR_TEMPFAIL] = "tempfail",
	[SMFIR_DISCARD] = "discard", [SMFIR_REPLYCODE] = "replycode"
}

-- Name of the last milter reply on conn ("continue", "replycode", ...).
function reply_name(conn)
	local r = mt.getreply(conn)
	return replies[r] or ("0x" .. string.format("%02x", r))
end

-- Connect to the daemon as Postfix would, for a client at ip.
function connect(ip)
	return connect_as(ip, "Postfix 3.7.11")
end

-- Connect for a client at ip with the "v" macro v (nil: no "v" at all, as
-- Sendmail's stock macro lists send it).
function connect_as(ip, v)
	local conn = mt.connect(socket, 40, 0.25)
	if conn == nil then
		fail("mt.connect(" .. socket .. ")")
	end
	if v ~= nil then
		mt.macro(conn, SMFIC_CONNECT, "j", "mx.contoso.com",
		    "{daemon_name}", "smtpd", "{daemon_addr}", "127.0.0.1",
		    "v", v, "{client_addr}", ip or "203.0.113.7")
	else
		mt.macro(conn, SMFIC_CONNECT, "j", "mx.contoso.com",
		    "{daemon_name}", "MTA", "{client_addr}", ip or "203.0.113.7")
	end
	try("mt.conninfo()", mt.conninfo, conn, "client.example.net",
	    ip or "203.0.113.7")
	check(mt.getreply(conn) == SMFIR_CONTINUE, "connect: continue")
	if wants(conn, SMFIP_NOHELO) then
		try("mt.helo()", mt.helo, conn, "client.example.net")
	end
	return conn
end

-- Start a message from sender; resets the recipient count.
function mailfrom(conn, sender)
	rcpt_count = 0
	mt.macro(conn, SMFIC_MAIL, "{mail_addr}", sender)
	try("mt.mailfrom()", mt.mailfrom, conn, "<" .. sender .. ">")
	check(mt.getreply(conn) == SMFIR_CONTINUE,
	    "MAIL FROM:<" .. sender .. ">: continue")
end

-- Send RCPT TO with path (given exactly as the MTA would pass it, e.g.
-- "<bob@contoso.com>") and check the reply is want ("continue",
-- "replycode", ...).  qid is sent as {i} from the second RCPT on.
function rcpt(conn, path, want, qid)
	rcpt_count = (rcpt_count or 0) + 1
	if rcpt_count > 1 and qid ~= nil then
		mt.macro(conn, SMFIC_RCPT, "i", qid, "{rcpt_addr}", path)
	else
		mt.macro(conn, SMFIC_RCPT, "{rcpt_addr}", path)
	end
	try("mt.rcptto(" .. path .. ")", mt.rcptto, conn, path)
	local got = reply_name(conn)
	check(got == want, "RCPT TO:" .. path .. ": " .. want ..
	    (got ~= want and (" (got " .. got .. ")") or ""))
end

-- Send headers, body and end of message with queue id qid; check the
-- filter accepted (continue or accept).
function finish(conn, qid, headers)
	finish_want(conn, qid, headers, nil)
end

-- finish(), checking the reply at end of message is want ("replycode",
-- ...; nil: continue or accept).
function finish_want(conn, qid, headers, want)
	headers = headers or { { "From", "<someone@example.org>" },
	    { "To", "<undisclosed-recipients:;>" },
	    { "Subject", "mailswitch test" } }
	if wants(conn, SMFIP_NODATA) then
		try("mt.data()", mt.data, conn)
	end
	if wants(conn, SMFIP_NOHDRS) then
		for _, h in ipairs(headers) do
			try("mt.header(" .. h[1] .. ")", mt.header, conn,
			    h[1], h[2])
		end
	end
	if wants(conn, SMFIP_NOEOH) then
		try("mt.eoh()", mt.eoh, conn)
	end
	if wants(conn, SMFIP_NOBODY) then
		try("mt.bodystring()", mt.bodystring, conn,
		    "test message\r\n")
	end
	try("mt.macro(E)", mt.macro, conn, SMFIC_BODYEOB, "i", qid)
	try("mt.eom()", mt.eom, conn)
	local got = reply_name(conn)
	if want ~= nil then
		check(got == want, "end of message: " .. want ..
		    (got ~= want and (" (got " .. got .. ")") or ""))
		return
	end
	check(got == "continue" or got == "accept",
	    "end of message: accepted (got " .. got .. ")")
end

-- The filter deleted recipient path at end of message (or did not).
function deleted(conn, path, yes)
	if yes == nil then yes = true end
	check(mt.eom_check(conn, MT_RCPTDELETE, path) == yes,
	    (yes and "" or "no ") .. "delrcpt " .. path)
end

-- The filter added recipient path at end of message (or did not).
function added(conn, path, yes)
	if yes == nil then yes = true end
	check(mt.eom_check(conn, MT_RCPTADD, path) == yes,
	    (yes and "" or "no ") .. "addrcpt " .. path)
end

-- Number of header fields called name added (or inserted) at EOM.
function header_count(conn, name)
	local n = 0
	while mt.getheader(conn, name, n) ~= nil do
		n = n + 1
	end
	return n
end

-- A header name: value was added (addheader or insheader) at EOM.
function header_added(conn, name, value)
	check(mt.eom_check(conn, MT_HDRADD, name, value) or
	    mt.eom_check(conn, MT_HDRINSERT, name, value),
	    "header " .. name .. ": " .. value)
end

-- No header field at all was added or inserted at EOM.
function no_header_added(conn)
	check(not mt.eom_check(conn, MT_HDRADD) and
	    not mt.eom_check(conn, MT_HDRINSERT), "no header added")
end

-- Returns the first line of the daemon's log that contains every string
-- of the list words (plain text, not patterns), or nil.
function log_find(words)
	local f = io.open(log, "r")
	if f == nil then
		return nil
	end
	for line in f:lines() do
		local all = true
		for _, w in ipairs(words) do
			if string.find(line, w, 1, true) == nil then
				all = false
				break
			end
		end
		if all then
			f:close()
			return line
		end
	end
	f:close()
	return nil
end

-- Wait (at most 5 s) until the daemon's log has such a line; check it.
function log_has(words, name)
	for _ = 1, 50 do
		local line = log_find(words)
		if line ~= nil then
			check(true, name or ("log: " ..
			    table.concat(words, " ... ")))
			return line
		end
		mt.sleep(0.1)
	end
	fail(name or ("log has no line with: " .. table.concat(words, " ... ")))
end
