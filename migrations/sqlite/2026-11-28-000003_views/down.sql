DROP TABLE article_daily_views;
