DROP TRIGGER articles_id_floor;
DROP TABLE article_id_floor;
