-- The generation used to be bumped by a trigger on every row written to
-- speakers, speaker_aliases, statements and synonyms: an import of 50,000
-- statements updated the meta row 50,000 times or more, a tenth of its
-- time. Tx.Commit (store.go) now bumps it once in each write transaction
-- that touched those tables; readers cannot see the rows before the
-- commit, so they can tell no difference.
DROP TRIGGER IF EXISTS speakers_gen_i;
DROP TRIGGER IF EXISTS speakers_gen_u;
DROP TRIGGER IF EXISTS speakers_gen_d;
DROP TRIGGER IF EXISTS aliases_gen_i;
DROP TRIGGER IF EXISTS aliases_gen_d;
DROP TRIGGER IF EXISTS synonyms_gen_i;
DROP TRIGGER IF EXISTS synonyms_gen_u;
DROP TRIGGER IF EXISTS synonyms_gen_d;
DROP TRIGGER IF EXISTS statements_gen_i;
DROP TRIGGER IF EXISTS statements_gen_u;
