-- Development seed data (the bootcamp's seed.sql). Mock Cognito ids: real ones are filled in by
-- the post-confirmation Lambda or a cognito sync.
INSERT INTO public.users (display_name, email, handle, cognito_user_id)
VALUES
  ('Andrew Brown', 'andrew@exampro.co', 'andrewbrown', 'MOCK'),
  ('Andrew Bayko', 'bayko@exampro.co', 'bayko', 'MOCK'),
  ('Londo Mollari', 'lmollari@centari.com', 'londo', 'MOCK');

INSERT INTO public.activities (user_uuid, message, expires_at)
VALUES
  (
    (SELECT uuid FROM public.users WHERE users.handle = 'andrewbrown' LIMIT 1),
    'This was imported as seed data!',
    current_timestamp + interval '10 day'
  ),
  (
    (SELECT uuid FROM public.users WHERE users.handle = 'londo' LIMIT 1),
    'I am the other!',
    current_timestamp + interval '10 day'
  );
