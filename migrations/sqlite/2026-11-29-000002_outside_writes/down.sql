DROP TABLE outside_writes;
