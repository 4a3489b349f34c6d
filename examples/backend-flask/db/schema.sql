-- Cruddur's relational schema (the backend-flask/db/schema.sql of the bootcamp, weeks 4-11).
-- Loaded by `inv db.schema-load` in ONE transaction: any error leaves the database unchanged.
-- Later changes live in migrations/ (users.bio; activities.reply_to_activity_uuid → uuid).

CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

DROP TABLE IF EXISTS public.users;
DROP TABLE IF EXISTS public.activities;

CREATE TABLE public.users (
  uuid UUID DEFAULT uuid_generate_v4() PRIMARY KEY,
  display_name text NOT NULL,
  handle text NOT NULL,
  email text NOT NULL,
  cognito_user_id text NOT NULL,
  created_at TIMESTAMP default current_timestamp NOT NULL
);

CREATE TABLE public.activities (
  uuid UUID DEFAULT uuid_generate_v4() PRIMARY KEY,
  user_uuid UUID NOT NULL,
  message text NOT NULL,
  replies_count integer DEFAULT 0,
  reposts_count integer DEFAULT 0,
  likes_count integer DEFAULT 0,
  reply_to_activity_uuid integer,
  expires_at TIMESTAMP,
  created_at TIMESTAMP default current_timestamp NOT NULL
);

-- The old migrate/rollback scripts' pointer. cruddur-ops adopts it once (everything at or before
-- it counts as applied) and keeps it current so old tooling still sees the right value.
CREATE TABLE IF NOT EXISTS public.schema_information (
  id integer UNIQUE,
  last_successful_run text
);
INSERT INTO public.schema_information (id, last_successful_run)
VALUES (1, '0')
ON CONFLICT (id) DO NOTHING;
