-- Telecom ducts run in every Chinese street cross-section; the layer is data, as any department is.
INSERT INTO layers (id, title, category)
VALUES ('telecom', 'Telecommunications (通信)', 'network')
ON CONFLICT (id) DO NOTHING;
