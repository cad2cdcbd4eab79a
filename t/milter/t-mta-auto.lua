-- t-mta-auto.lua -- mta = "auto" (the default) with no "v" macro at all,
-- as Sendmail's stock macro lists send it: the MTA is taken for Sendmail,
-- so a rewritten recipient is added with its ESMTP parameters
-- (smfi_addrcpt_par, which miltertest does not record: never the plain
-- smfi_addrcpt that would drop a DSN request), and the recipient is
-- deleted by the path as the client wrote it (Sendmail parses it again).
dofile(tdir .. "/mtlib.lua")

local conn = connect_as("203.0.113.7", nil)
mailfrom(conn, "someone@example.org")
try("mt.rcptto(NOTIFY)", mt.rcptto, conn, "<@mx.example.net:bob@contoso.com>",
    "NOTIFY=SUCCESS,FAILURE")
check(mt.getreply(conn) == SMFIR_CONTINUE, "RCPT with a source route: continue")
finish(conn, "4XbMA01mk0z1")
deleted(conn, "<@mx.example.net:bob@contoso.com>")
deleted(conn, "<bob@contoso.com>", false)
added(conn, "<bob@fourthcoffee.com>", false)
header_added(conn, "X-Mailswitch", "rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>")
log_has({ "4XbMA01mk0z1: ", "rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>" })
mt.disconnect(conn)
