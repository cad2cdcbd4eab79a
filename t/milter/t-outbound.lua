-- t-outbound.lua -- the outbound Address Rewrite (SPEC section 2) with the
-- shared configuration: outbound.clients = 192.0.2.0/24 and 2001:db8::/32,
-- lookup = true, rules fourthcoffee.com and *.fourthcoffee.com ->
-- contoso.com, headers From, Sender, Reply-To.
--
-- Mail from a subsidiary client with at least one recipient in no
-- configured domain gets the addresses of its From, Sender and Reply-To
-- fields rewritten (smfi_chgheader, one change per field, display names,
-- comments, groups, folding and the other mailboxes kept); internal mail,
-- mail from other clients and an unparseable field are left alone.
-- miltertest cannot see the envelope sender change (smfi_chgfrom): the
-- daemon's log line "QID: from=<a> -> <b> outbound" stands in for it here,
-- and t/e2e/test-outbound.sh checks what Postfix really sends.
--
-- miltertest 1.x cannot check the index of a change: its
-- mt.eom_check(conn, MT_HDRCHANGE, name, value, index) reads the index from
-- the value's argument.  Both From fields of the first message map to
-- different values, so each change is still seen; the e2e test checks that
-- Postfix applies the changes to the right field.
dofile(tdir .. "/mtlib.lua")
dofile(tdir .. "/outlib.lua")

-- The headers of a subsidiary user's message.
local bob = {
	{ "From", "\"Bob Lee\" <bob@fourthcoffee.com>" },
	{ "To", "someone@example.org, Dan <dan@contoso.com>" },
	{ "Subject", "outbound test" }
}

---------------------------------------------------------------------------
-- 1. From 192.0.2.10 to the Internet (and to an internal mailbox user):
-- every address of From (both fields), Sender and Reply-To that maps is
-- rewritten by the directory (lookup = true), the rest is kept.
local conn = connect_as("192.0.2.10")
mailfrom(conn, "bob@fourthcoffee.com")
rcpt(conn, "<dan@contoso.com>", "continue")
rcpt(conn, "<someone@example.org>", "continue", "4XbOUT1mk0z1")
finish(conn, "4XbOUT1mk0z1", {
	{ "From", "\"Bob Lee\" <bob@fourthcoffee.com>" },
	{ "From", "Alice Wong <Alice.Wong@fourthcoffee.com>" },
	{ "Sender", "bob@fourthcoffee.com (Bob Lee)" },
	{ "Reply-To", "\"Bob Lee\" <bob@fourthcoffee.com>, Someone <someone@example.org>" },
	{ "To", "someone@example.org, Bob <bob@fourthcoffee.com>" },
	{ "Cc", "<Alice.Wong@fourthcoffee.com>" },
	{ "Subject", "outbound test" }
})
changed(conn, "From", "\"Bob Lee\" <bob@contoso.com>")
changed(conn, "From", "Alice Wong <alice@contoso.com>")
changed(conn, "Sender", "bob@contoso.com (Bob Lee)")
changed(conn, "Reply-To", "\"Bob Lee\" <bob@contoso.com>, Someone <someone@example.org>")
unchanged(conn, "To")
unchanged(conn, "Cc")
unchanged(conn, "Subject")
no_header_added(conn)
deleted(conn, "<dan@contoso.com>", false)
added(conn, "<dan@contoso.com>", false)
log_has({ "4XbOUT1mk0z1: from=<bob@fourthcoffee.com> -> <bob@contoso.com> outbound" })
log_has({ "4XbOUT1mk0z1: header From: ", "<bob@contoso.com>", "outbound" })
log_has({ "4XbOUT1mk0z1: header From[2]: ", "<alice@contoso.com>", "outbound" })
log_has({ "4XbOUT1mk0z1: header Reply-To: ", "outbound" })

-- 2. Same connection, a second message: a folded From, an unparseable
-- Sender (left as it is, and logged), a group in Reply-To with a quoted
-- local part, a +extension and a subdomain (rules, *.fourthcoffee.com).
mailfrom(conn, "Alice.Wong@fourthcoffee.com")
rcpt(conn, "<someone@example.org>", "continue", "4XbOUT2mk0z2")
finish(conn, "4XbOUT2mk0z2", {
	{ "From", "\"Alice Wong\"\n\t<Alice.Wong@fourthcoffee.com>" },
	{ "Sender", "Bob <bob@fourthcoffee.com" },
	{ "Reply-To", "Team: Bob <bob@fourthcoffee.com>,\r\n \"john doe\"@fourthcoffee.com,"
	    .. " x+tag@mail.fourthcoffee.com (X);" },
	{ "Subject", "outbound test 2" }
})
changed(conn, "From", "\"Alice Wong\"\n\t<alice@contoso.com>")
unchanged(conn, "Sender")
changed(conn, "Reply-To", "Team: Bob <bob@contoso.com>,\r\n \"john doe\"@contoso.com,"
    .. " x+tag@contoso.com (X);")
log_has({ "4XbOUT2mk0z2: from=<Alice.Wong@fourthcoffee.com> -> <alice@contoso.com> outbound" })
log_has({ "4XbOUT2mk0z2: header Sender left as it is", "Bob <bob@fourthcoffee.com" })
-- a folded value is logged on one line (SPEC 5: one line per decision)
log_has({ "4XbOUT2mk0z2: header From: \"Alice Wong\" <Alice.Wong@fourthcoffee.com> -> \"Alice Wong\" <alice@contoso.com> outbound" })
log_has({ "4XbOUT2mk0z2: header Reply-To: Team: Bob <bob@fourthcoffee.com>, \"john doe\"@fourthcoffee.com," })

-- 3. Internal mail (contoso.com and fourthcoffee.com recipients only): no
-- change at all, no outbound log line.
mailfrom(conn, "bob@fourthcoffee.com")
rcpt(conn, "<dan@contoso.com>", "continue")
rcpt(conn, "<x@fourthcoffee.com>", "continue", "4XbOUT3mk0z3")
finish(conn, "4XbOUT3mk0z3", bob)
no_header_change(conn, "internal mail")
log_lacks({ "4XbOUT3mk0z3", "outbound" }, "no outbound log line for internal mail")

-- 4. The null sender: the envelope keeps <> (logged as unchanged), the
-- header fields of the message are still rewritten.
mailfrom(conn, "")
rcpt(conn, "<someone@example.org>", "continue", "4XbOUT4mk0z4")
finish(conn, "4XbOUT4mk0z4", {
	{ "From", "Mail Delivery System <MAILER-DAEMON@fourthcoffee.com>" },
	{ "Subject", "Undelivered Mail Returned to Sender" }
})
changed(conn, "From", "Mail Delivery System <MAILER-DAEMON@contoso.com>")
log_has({ "4XbOUT4mk0z4: from=<> unchanged outbound null" })
log_lacks({ "4XbOUT4mk0z4: from=<> ->" }, "null sender not rewritten")

-- 5. A sender that maps nowhere: envelope and header kept, logged.
mailfrom(conn, "someone@example.net")
rcpt(conn, "<someone@example.org>", "continue", "4XbOUT5mk0z5")
finish(conn, "4XbOUT5mk0z5", { { "From", "Someone <someone@example.net>" } })
no_header_change(conn, "unmapped sender")
log_has({ "4XbOUT5mk0z5: from=<someone@example.net> unchanged outbound unmapped" })

-- 6. The directory lookup ignores case: BOB@FourthCoffee.COM is Bob.
mailfrom(conn, "BOB@FourthCoffee.COM")
rcpt(conn, "<someone@example.org>", "continue", "4XbOUT6mk0z6")
finish(conn, "4XbOUT6mk0z6", { { "From", "BOB@FOURTHCOFFEE.COM" } })
changed(conn, "From", "bob@contoso.com")
log_has({ "4XbOUT6mk0z6: from=<BOB@FourthCoffee.COM> -> <bob@contoso.com> outbound" })
mt.disconnect(conn)

---------------------------------------------------------------------------
-- 7. IPv6: 2001:db8::5 is in 2001:db8::/32.
conn = connect_as("2001:db8::5")
mailfrom(conn, "bob@fourthcoffee.com")
rcpt(conn, "<someone@example.org>", "continue", "4XbOUT7mk0z7")
finish(conn, "4XbOUT7mk0z7", bob)
changed(conn, "From", "\"Bob Lee\" <bob@contoso.com>")
unchanged(conn, "To")
log_has({ "4XbOUT7mk0z7: from=<bob@fourthcoffee.com> -> <bob@contoso.com> outbound" })
mt.disconnect(conn)

---------------------------------------------------------------------------
-- 8. Clients that are not the subsidiary: nothing changes, nothing is
-- logged as outbound -- also with a {daemon_name} and a SASL login, which
-- this configuration does not select by (daemons = [ ],
-- authenticated = false).
local outsiders = {
	{ ip = "198.51.100.7", qid = "4XbOUT8mk0z8" },
	{ ip = "192.0.3.10", qid = "4XbOUT9mk0z9" },
	{ ip = "2001:db9::5", qid = "4XbOUTAmk0zA" },
	{ ip = "198.51.100.7", daemon = "subsidiary", qid = "4XbOUTBmk0zB" },
	{ ip = "198.51.100.7", auth = "bob", qid = "4XbOUTCmk0zC" },
}
for _, o in ipairs(outsiders) do
	conn = connect_as(o.ip, o.daemon)
	mailfrom_auth(conn, "bob@fourthcoffee.com", o.auth)
	rcpt(conn, "<someone@example.org>", "continue", o.qid)
	finish(conn, o.qid, bob)
	no_header_change(conn, "client " .. o.ip ..
	    (o.daemon and (" daemon " .. o.daemon) or "") ..
	    (o.auth and (" auth " .. o.auth) or ""))
	log_lacks({ o.qid, "outbound" }, "no outbound log line for " .. o.ip)
	mt.disconnect(conn)
end
