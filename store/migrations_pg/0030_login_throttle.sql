-- 0030: the login slowdown's failure counts, kept in the store so that every
-- instance of dialdesk sees the same ones. A key names an address, or an
-- address and a username, or a username (hashed; see handlers/auth.go):
-- fails counts its failed logins since it was last idle for the forget
-- window, until_at is when the next attempt under it may be checked.

CREATE TABLE login_throttle (
    throttle_key TEXT    PRIMARY KEY,
    fails        BIGINT  NOT NULL,
    last_at      BIGINT  NOT NULL,
    until_at     BIGINT  NOT NULL
);
CREATE INDEX login_throttle_last ON login_throttle (last_at);
