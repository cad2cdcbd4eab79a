-- t-sendmail.lua -- under Sendmail (the "v" macro does not start with
-- "Postfix") a rewritten recipient is added with smfi_addrcpt_par, keeping
-- the RCPT's ESMTP parameters and adding ORCPT when the client gave none.
-- miltertest does not record recipients added with parameters: this covers
-- the Sendmail path of the daemon as far as it can (the path taken, no
-- crash, no sanitizer report, the decisions logged).
dofile(tdir .. "/mtlib.lua")

local conn = mt.connect(socket, 40, 0.25)
if conn == nil then
	fail("mt.connect(" .. socket .. ")")
end
mt.macro(conn, SMFIC_CONNECT, "j", "mx.contoso.com", "v", "8.17.1")
try("mt.conninfo()", mt.conninfo, conn, "client.example.net", "203.0.113.7")
check(mt.getreply(conn) == SMFIR_CONTINUE, "connect: continue")
if wants(conn, SMFIP_NOHELO) then
	try("mt.helo()", mt.helo, conn, "client.example.net")
end
mailfrom(conn, "someone@example.org")
try("mt.rcptto(NOTIFY)", mt.rcptto, conn, "<bob@contoso.com>",
    "NOTIFY=SUCCESS,FAILURE")
check(mt.getreply(conn) == SMFIR_CONTINUE, "RCPT with NOTIFY: continue")
try("mt.rcptto(ORCPT)", mt.rcptto, conn, "<alice@contoso.com>",
    "ORCPT=rfc822;alice@contoso.com")
check(mt.getreply(conn) == SMFIR_CONTINUE, "RCPT with ORCPT: continue")
finish(conn, "4XbSM01mk0z1")
deleted(conn, "<bob@contoso.com>")
-- miltertest records smfi_addrcpt (MT_RCPTADD) but not smfi_addrcpt_par:
-- the Sendmail path must not have used the plain call, and the end of
-- message must have gone through (a refused change would tempfail it).
added(conn, "<bob@fourthcoffee.com>", false)
deleted(conn, "<alice@contoso.com>")
added(conn, "<Alice.Wong@fourthcoffee.com>", false)
log_has({ "4XbSM01mk0z1: ", "rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>" })
log_has({ "4XbSM01mk0z1: ", "rcpt=<alice@contoso.com> -> <Alice.Wong@fourthcoffee.com>" })
mt.disconnect(conn)
