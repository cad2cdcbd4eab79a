-- t-case.lua -- matching is case-insensitive on the whole address; the
-- original is deleted exactly as the MTA passed it, the target is added as
-- stored in the directory.
dofile(tdir .. "/mtlib.lua")

local conn = connect()
mailfrom(conn, "someone@example.org")
rcpt(conn, "<Bob.Lee@CONTOSO.com>", "continue")
rcpt(conn, "<AWONG@Contoso.COM>", "continue", "4XbQ3C1mk0z1")
finish(conn, "4XbQ3C1mk0z1")
deleted(conn, "<Bob.Lee@CONTOSO.com>")
deleted(conn, "<AWONG@Contoso.COM>")
added(conn, "<bob@fourthcoffee.com>")
added(conn, "<Alice.Wong@fourthcoffee.com>")
mt.disconnect(conn)
