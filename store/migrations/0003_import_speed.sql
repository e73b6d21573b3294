-- Import skips a record whose speaker already has the same text live. With
-- only statements_speaker to go by, that check read every statement of the
-- speaker: quadratic for prolific ones (a tenth of LIAR2 is "Facebook
-- posts"). A text prefix is enough to find the few rows to compare, at a
-- fraction of the size of an index on the whole text.
CREATE INDEX statements_speaker_text ON statements (speaker_id, substr(text, 1, 40)) WHERE retired = 0;
