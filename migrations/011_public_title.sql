-- What the public calls an incident (status page, v2 API, Atom feed, Statuspage mirror). Set when
-- the incident opens (its title without Slack mentions) and by `/incident public-name`, so who was
-- named in Slack never reaches the public. Incidents from before keep their title.
ALTER TABLE incidents ADD COLUMN public_title TEXT;
UPDATE incidents SET public_title = title;
