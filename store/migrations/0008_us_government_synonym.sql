-- The seed's synonym group for the United States listed "us government",
-- which analyses to "govern" alone ("us" is a stop word in lower case), so
-- any statement about a government matched "the US". "US government" keeps
-- both words. Stores seeded before the fix get the corrected group here;
-- a group a moderator has changed since is left as it is.
UPDATE synonyms SET terms = replace(terms, '"us government"', '"US government"')
WHERE terms = '["america","american","americans","united states","us government","usa","washington"]';
UPDATE meta SET value = value + 1 WHERE key = 'generation';
