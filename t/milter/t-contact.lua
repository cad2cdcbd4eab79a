-- t-contact.lua -- a proxy address of a contact is replaced by the
-- contact's target: bob@contoso.com -> bob@fourthcoffee.com (delrcpt of the
-- original exactly as passed, addrcpt of the target, one trace header, one
-- log line with the queue id); and the target's spelling is kept as stored
-- (alice@contoso.com -> Alice.Wong@fourthcoffee.com); a base64 proxy
-- address of the LDIF (zm@contoso.com) is found as well.
dofile(tdir .. "/mtlib.lua")

local conn = connect()

mailfrom(conn, "someone@example.org")
rcpt(conn, "<bob@contoso.com>", "continue", "4XbQ1A1mk0z1")
finish(conn, "4XbQ1A1mk0z1")
deleted(conn, "<bob@contoso.com>")
added(conn, "<bob@fourthcoffee.com>")
added(conn, "<bob@contoso.com>", false)
header_added(conn, "X-Mailswitch", "rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>")
check(header_count(conn, "X-Mailswitch") == 1, "one X-Mailswitch header")
log_has({ "4XbQ1A1mk0z1: ", "rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>" })

-- second message on the same connection
mailfrom(conn, "someone@example.org")
rcpt(conn, "<alice@contoso.com>", "continue", "4XbQ1A2mk0z2")
finish(conn, "4XbQ1A2mk0z2")
deleted(conn, "<alice@contoso.com>")
added(conn, "<Alice.Wong@fourthcoffee.com>")
deleted(conn, "<bob@contoso.com>", false)
added(conn, "<bob@fourthcoffee.com>", false)
header_added(conn, "X-Mailswitch", "rcpt=<alice@contoso.com> -> <Alice.Wong@fourthcoffee.com>")

-- third message: a proxy address stored base64-encoded in the LDIF
-- (proxyAddresses:: ...) works like any other
mailfrom(conn, "someone@example.org")
rcpt(conn, "<zm@contoso.com>", "continue")
rcpt(conn, "<zoe@contoso.com>", "continue", "4XbQ1A3mk0z3")
finish(conn, "4XbQ1A3mk0z3")
deleted(conn, "<zm@contoso.com>")
deleted(conn, "<zoe@contoso.com>")
added(conn, "<zoe.mueller@fourthcoffee.com>")

mt.disconnect(conn)
