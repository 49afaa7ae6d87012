-- trunks.auth_realm was never read: digest auth answers whatever realm the
-- carrier's challenge names (RFC 3261 §22.2). Nothing selects the column,
-- so dropping it is safe while older nodes still run.
ALTER TABLE trunks DROP COLUMN auth_realm;
