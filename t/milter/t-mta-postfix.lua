-- t-mta-postfix.lua -- mta = "postfix" (t-mta-postfix.conf) fixes the
-- dialect whatever "v" says (here: none): the target is added with the
-- plain smfi_addrcpt, and the recipient is deleted as Postfix stored it,
-- without the source route or needless quoting the client wrote.
dofile(tdir .. "/mtlib.lua")

local conn = connect_as("203.0.113.7", nil)
mailfrom(conn, "someone@example.org")
rcpt(conn, "<@a.example,@b.example:bob@contoso.com>", "continue")
rcpt(conn, "<\"alice\"@contoso.com>", "continue", "4XbMP01mk0z1")
finish(conn, "4XbMP01mk0z1")
deleted(conn, "<bob@contoso.com>")
deleted(conn, "<@a.example,@b.example:bob@contoso.com>", false)
added(conn, "<bob@fourthcoffee.com>")
deleted(conn, "<alice@contoso.com>")
deleted(conn, "<\"alice\"@contoso.com>", false)
added(conn, "<Alice.Wong@fourthcoffee.com>")
mt.disconnect(conn)
