-- The per-number daily cap counts a number's recent attempts across every
-- campaign at dial time.
CREATE INDEX attempts_by_phone ON attempts (phone, created_at);
