-- An article's SEO overrides; NULL shows the default (its title, summary, public URL
-- and cover image), so a default follows the article when it changes.
ALTER TABLE articles ADD COLUMN seo_title TEXT;
ALTER TABLE articles ADD COLUMN seo_description TEXT;
ALTER TABLE articles ADD COLUMN canonical_url TEXT;
ALTER TABLE articles ADD COLUMN og_image_url TEXT;
